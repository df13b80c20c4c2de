/**
 * The demo's simulated host runner: a few hosts post a fresh status snapshot every few seconds
 * through the real HTTP ingest endpoint (`POST /api/hosts/:id/status`, bearer key), with
 * payloads from the demo generator, so the console changes while it is explored.
 *
 * @module
 */

import { type DemoHost, type FixtureSet, statusPayload } from "./fleet_gen.ts";

/** A host the runner posts for. */
export interface RunnerHost {
  hostId: string;
  token: string;
  demo: DemoHost;
}

/** One post and its outcome. */
export interface RunnerPost {
  hostId: string;
  name: string;
  status: number;
  snapshotId: string | null;
  signals: number;
  band: string | null;
}

/**
 * Posts one snapshot per host every `intervalMs` until `signal` aborts; reports each post.
 * Progress through the seeded profile continues past its end, so findings keep their course.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const running = runSimulatedRunner(baseUrl, hosts, fixtures, 5000, stop.signal, console.log);
 * stop.abort(); await running;
 * ```
 */
export async function runSimulatedRunner(
  baseUrl: string,
  hosts: readonly RunnerHost[],
  fixtures: FixtureSet,
  intervalMs: number,
  signal: AbortSignal,
  report: (post: RunnerPost) => void,
): Promise<void> {
  let tick = 0;
  while (!signal.aborted) {
    tick++;
    await Promise.all(hosts.map(async (h) => {
      const ts = new Date();
      const body = statusPayload(fixtures, h.demo, {
        ts,
        progress: 1 + tick * 0.001,
        prevProgress: 1 + (tick - 1) * 0.001,
      }, tick);
      try {
        const res = await fetch(`${baseUrl}/api/hosts/${h.hostId}/status`, {
          method: "POST",
          headers: { authorization: `Bearer ${h.token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
          signal,
        });
        const answer = await res.json().catch(() => ({}));
        report({
          hostId: h.hostId,
          name: h.demo.name,
          status: res.status,
          snapshotId: answer.snapshotId ?? null,
          signals: Array.isArray(answer.signals) ? answer.signals.length : 0,
          band: answer.posture?.band ?? null,
        });
      } catch (error) {
        if (signal.aborted) return;
        report({
          hostId: h.hostId,
          name: `${h.demo.name} (${error instanceof Error ? error.message : String(error)})`,
          status: 0,
          snapshotId: null,
          signals: 0,
          band: null,
        });
      }
    }));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
