/**
 * The real app in its own process, as the demo and the console benchmark run it: spawn
 * `deno run -A main.ts` (or a project script) on a data directory, wait until it answers,
 * sign in over HTTP, read its peak memory.
 *
 * @module
 */

/** The project root (where `deno.json` and `main.ts` are). */
export const PROJECT_ROOT = new URL("../../", import.meta.url).pathname;

/**
 * A free TCP port on loopback (closed again, so a child can bind it).
 *
 * @example
 * ```ts
 * const port = freePort();
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Polls `url` until it answers below 500; throws after `timeoutMs`.
 *
 * @example
 * ```ts
 * await waitUntilUp("http://127.0.0.1:8000/healthz");
 * ```
 */
export async function waitUntilUp(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not up within ${timeoutMs} ms: ${url}`);
}

/**
 * Runs a project script (`deno run -A <script> …args`) to completion with `env`; its stdout.
 * Throws with its stderr when it fails.
 *
 * @example
 * ```ts
 * const line = await runScript("scripts/host_create.ts", ["--org", "demo", "--name", "web-1"], env);
 * ```
 */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  onStderr?: (text: string) => void,
): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errors: string[] = [];
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stderr) {
      const text = decoder.decode(chunk);
      errors.push(text);
      onStderr?.(text);
    }
  })();
  const [out, status] = await Promise.all([new Response(child.stdout).text(), child.status]);
  await reading;
  if (!status.success) throw new Error(`${script} ${args.join(" ")}: ${errors.join("").trim()}`);
  return out.trim();
}

/**
 * Spawns the app (`deno run -A main.ts`) on `port` with `env` (add `DATA_DIR`), stdout and
 * stderr as given.
 *
 * @example
 * ```ts
 * const app = spawnApp(port, { DATA_DIR: dir, LOG_LEVEL: "error" });
 * await waitUntilUp(`http://127.0.0.1:${port}/healthz`);
 * ```
 */
export function spawnApp(
  port: number,
  env: Record<string, string>,
  io: { stdout?: "inherit" | "null" | "piped"; stderr?: "inherit" | "null" | "piped" } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: PROJECT_ROOT,
    env: { ...env, PORT: String(port), HOSTNAME: "127.0.0.1" },
    stdout: io.stdout ?? "null",
    stderr: io.stderr ?? "inherit",
  }).spawn();
}

/**
 * Signs in with e-mail and password (`POST /api/auth/sign-in`); the `Cookie` header value of
 * the session.
 *
 * @example
 * ```ts
 * const cookie = await signIn("http://127.0.0.1:8000", "demo@example.com", "demo passphrase");
 * await fetch(`${base}/hosts`, { headers: { cookie } });
 * ```
 */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: new URL(base).origin },
    body: JSON.stringify({ email, password }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${body}`);
  const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]);
  if (cookies.length === 0) throw new Error("sign-in set no cookie");
  return cookies.join("; ");
}

/**
 * Peak resident memory of a process (`VmHWM`), in MiB; 0 when it cannot be read.
 *
 * @example
 * ```ts
 * await peakRssMiB(app.pid); // 180.5
 * ```
 */
export async function peakRssMiB(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}
