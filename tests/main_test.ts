/**
 * main.ts as a real process: boots on embedded stores in a temp DATA_DIR,
 * serves, stops cleanly on SIGTERM, and refuses to start on a bad variable.
 */
import { equal, match, ok } from "node:assert/strict";

const root = new URL("..", import.meta.url).pathname;

function spawnMain(env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: root,
    // Blank (= unset) what `deno task test` exports, so the defaults under DATA_DIR are used.
    env: { DENO_KV_PATH: "", DATABASE_URL: "", APP_ENV: "", LOG_LEVEL: "info", ...env },
    clearEnv: false,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads JSON log lines until one matches, then keeps draining in the background. */
async function waitForLog(
  stream: ReadableStream<Uint8Array>,
  lines: Record<string, unknown>[],
  msg: string,
): Promise<Record<string, unknown>> {
  const reader = stream.pipeThrough(
    new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
  ).getReader();
  let buffer = "";
  const drain = async (): Promise<Record<string, unknown> | null> => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return null;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          lines.push(JSON.parse(line));
        } catch { /* not JSON */ }
        if (lines.at(-1)?.msg === msg) return lines.at(-1)!;
      }
    }
  };
  const found = await drain();
  if (!found) throw new Error(`process ended before logging "${msg}": ${JSON.stringify(lines)}`);
  drain().catch(() => {}); // keep reading so the child never blocks on a full pipe
  return found;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("[main] boots on embedded stores, serves, and stops cleanly on SIGTERM", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "main-test-" });
  const port = freePort();
  const child = spawnMain({ DATA_DIR: dataDir, PORT: String(port) });
  const lines: Record<string, unknown>[] = [];
  try {
    const listening = await waitForLog(child.stdout, lines, "listening");
    equal(listening.ledger, "sqlite");
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    equal(ready.status, 200);
    await ready.body?.cancel();
    const secret = await Deno.stat(`${dataDir}/app-secret`);
    equal(secret.mode! & 0o777, 0o600, "generated secret is private");
    ok((await Deno.stat(`${dataDir}/ledger.db`)).isFile);
    ok((await Deno.stat(`${dataDir}/kv.sqlite3`)).isFile);
    child.kill("SIGTERM");
    const status = await child.status;
    equal(status.code, 0);
    ok(lines.some((l) => l.msg === "shutting down" && l.reason === "SIGTERM"));
    ok(lines.some((l) => l.msg === "stopped"));
    ok(
      !JSON.stringify(lines).includes(await Deno.readTextFile(`${dataDir}/app-secret`)),
      "secret never logged",
    );
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already stopped */ }
    await child.stderr.cancel().catch(() => {});
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("[main] a bad environment value stops start-up with a message naming it", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: root,
    env: { PORT: "eighty", DATABASE_URL: "mysql://x" },
  }).output();
  equal(out.code, 1);
  const stderr = new TextDecoder().decode(out.stderr);
  match(stderr, /PORT: expected an integer 1-65535, got "eighty"/);
  match(stderr, /DATABASE_URL: /);
});
