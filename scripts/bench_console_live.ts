/**
 * The ingest-to-screen part of `bench:console`: with a session open on `/api/live` (the
 * organization's SSE stream), post a snapshot through the real ingest endpoint and time until
 * an event naming the host arrives. Skipped, with a note, while the app has no `/api/live`.
 *
 * @module
 */

import { FIXTURES_DIR } from "../lib/demo/fleet_gen.ts";
import { PROJECT_ROOT } from "../lib/demo/app_process.ts";
import { percentile } from "./lib/bench.ts";

const PUSHES = 20;

async function liveRouteExists(): Promise<boolean> {
  for (const path of ["routes/api/live.ts", "routes/api/live/index.ts"]) {
    try {
      await Deno.stat(`${PROJECT_ROOT}${path}`);
      return true;
    } catch { /* not this one */ }
  }
  return false;
}

/**
 * p50/p95 of post → SSE event for `hostId`, as text, or why it was skipped.
 *
 * @example
 * ```ts
 * console.log(`ingest to SSE: ${await liveLatency(base, cookie, hostId)}`);
 * ```
 */
export async function liveLatency(base: string, cookie: string, hostId: string): Promise<string> {
  if (!await liveRouteExists()) return "skipped: the app has no /api/live endpoint yet";
  const origin = new URL(base).origin;
  const keyRes = await fetch(`${base}/api/hosts/${hostId}/keys`, {
    method: "POST",
    headers: { cookie, origin, "content-type": "application/json" },
    body: JSON.stringify({ action: "create", label: "bench" }),
  });
  if (keyRes.status !== 201) return `skipped: key creation answered ${keyRes.status}`;
  const token = (await keyRes.json()).secret.token as string;
  const host = await (await fetch(`${base}/api/hosts/${hostId}`, { headers: { cookie } })).json();
  const name = String(host.host?.name ?? host.name ?? "bench");
  const fixture = JSON.parse(
    await Deno.readTextFile(new URL("status-real-debian.json", FIXTURES_DIR)),
  );
  const abort = new AbortController();
  const stream = await fetch(`${base}/api/live`, {
    headers: { cookie, accept: "text/event-stream" },
    signal: abort.signal,
  });
  if (stream.status !== 200 || !stream.body) {
    await stream.body?.cancel();
    return `skipped: /api/live answered ${stream.status}`;
  }
  const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();
  const latencies: number[] = [];
  try {
    for (let i = 0; i < PUSHES; i++) {
      const body = JSON.stringify({ ...fixture, host: name, ts: new Date().toISOString() });
      const t0 = performance.now();
      const posted = await fetch(`${base}/api/hosts/${hostId}/status`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      await posted.body?.cancel();
      const deadline = t0 + 5000;
      let seen = false;
      while (!seen && performance.now() < deadline) {
        const next = await Promise.race([
          reader.read(),
          new Promise<null>((r) => setTimeout(() => r(null), deadline - performance.now())),
        ]);
        if (next === null || next.done) break;
        seen = next.value.includes(hostId);
      }
      if (!seen) return `no event for the host within 5 s (push ${i + 1})`;
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    abort.abort();
    await reader.cancel().catch(() => {});
  }
  const at = (p: number) => percentile(latencies, p).toFixed(1);
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms over ${PUSHES} pushes (post to event)`;
}
