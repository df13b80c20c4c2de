/**
 * `deno task demo` end to end, in a subprocess: it seeds, starts the app, prints a login that
 * works, the fleet page lists the demo hosts, the simulated runner's snapshots arrive through
 * the real ingest, and SIGTERM stops everything with exit 0 (temp data removed).
 */
import assert from "node:assert/strict";
import { freePort, PROJECT_ROOT, signIn } from "@/lib/demo/app_process.ts";

interface Ready {
  ready: true;
  url: string;
  email: string;
  password: string;
  dataDir: string;
  liveHosts: string[];
}

Deno.test("[demo] one command: seeded org, working login, live snapshots, clean SIGTERM", async () => {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "scripts/demo.ts",
      "--port",
      String(port),
      "--interval",
      "1",
      "--hosts",
      "6",
      "--days",
      "1",
      "--live-hosts",
      "2",
    ],
    cwd: PROJECT_ROOT,
    env: { LOG_LEVEL: "error", PASSWORD_HASH_COST: "10" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  let ready: Ready | null = null;
  let announce: () => void = () => {};
  const announced = new Promise<void>((r) => announce = r);
  const reading = (async () => {
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith('{"ready":true')) {
          ready = JSON.parse(line);
          announce();
        }
      }
    }
    announce();
  })();
  try {
    await announced;
    const r = ready as Ready | null;
    assert.ok(r, `no ready line; output:\n${lines.join("\n")}`);
    assert.equal(r.url, `http://localhost:${port}`);
    assert.ok(
      lines.some((l) => l.includes(`Sign in as ${r.email} with the password: ${r.password}`)),
    );
    const base = `http://127.0.0.1:${port}`;
    const cookie = await signIn(base, r.email, r.password);

    const fleet = await fetch(`${base}/hosts`, { headers: { cookie } });
    assert.equal(fleet.status, 200);
    const html = await fleet.text();
    assert.equal([...html.matchAll(/<tr[^>]* data-host="/g)].length, 6, "six demo hosts listed");

    const hostId = r.liveHosts[0];
    const latest = async () => {
      const res = await fetch(`${base}/api/hosts/${hostId}`, { headers: { cookie } });
      assert.equal(res.status, 200);
      return (await res.json()).latest?.snapshotId as string | undefined;
    };
    const before = await latest();
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await latest();
    }
    assert.ok(after && after !== before, "the simulated runner's next snapshot arrived");
    assert.ok(lines.some((l) => /^runner: .+ → 200/.test(l)), "runner posts are reported");

    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
    await reading;
    await assert.rejects(Deno.stat(r.dataDir), Deno.errors.NotFound, "temp data removed");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await reading.catch(() => {});
  }
});

/** Starts `deno task demo` with `args`; resolves the first stdout line matching `pattern`. */
function startDemo(args: string[], pattern: RegExp) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/demo.ts", ...args],
    cwd: PROJECT_ROOT,
    env: { LOG_LEVEL: "error", PASSWORD_HASH_COST: "10" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const line = (async () => {
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const found = buffer.split("\n").find((l) => pattern.test(l));
      if (found) return found;
    }
    return null;
  })();
  return { child, line };
}

Deno.test("[demo] a first start stopped while seeding: the next start's login works", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "demo-resume-" });
  const port = freePort();
  const args = ["--data-dir", dataDir, "--port", String(port), "--days", "1", "--live-hosts", "1"];
  try {
    // Killed as seeding starts: the owner exists, the demo state was not written yet.
    const first = startDemo([...args, "--hosts", "3000"], /^Seeding /);
    assert.ok(await first.line, "the first start began seeding");
    first.child.kill("SIGKILL");
    await first.child.status;
    await first.child.stdout.cancel().catch(() => {});

    const second = startDemo([...args, "--hosts", "4", "--interval", "60"], /^\{"ready":true/);
    try {
      const ready = await second.line;
      assert.ok(ready, "the second start got ready");
      const { email, password } = JSON.parse(ready) as Ready;
      await signIn(`http://127.0.0.1:${port}`, email, password);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal((await second.child.status).code, 0);
      await second.child.stdout.cancel().catch(() => {});
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
