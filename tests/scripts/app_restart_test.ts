/**
 * The app stopped (SIGTERM) and started again on the same DATA_DIR keeps working: the session
 * cookie, the hosts and their push tokens, the job-signing key (the same `kid`, so enrolled
 * runners keep trusting their jobs) and the live change feed (its event ids go on from where
 * they were, so a browser resuming with `Last-Event-ID` misses nothing).
 */
import { equal, ok } from "node:assert/strict";
import { freePort, runScript, signIn, spawnApp, waitUntilUp } from "@/lib/demo/app_process.ts";
import { openSse } from "../support/sse.ts";

const FIXTURES = new URL("../../../shared/fixtures/agent/", import.meta.url);
const OWNER = { email: "rita@example.test", password: "restart passphrase 4711" };

interface CreatedHost {
  host: { id: string };
  onboarding: { token: string; runner: { command: string } | null };
}

/** The job-signing key id the runner's enrollment command pins (`--job-key-id`). */
const jobKeyIdOf = (created: CreatedHost) =>
  /--job-key-id '?([A-Za-z0-9_-]+)/.exec(created.onboarding.runner?.command ?? "")?.[1];

Deno.test({
  name: "[app] restart on the same DATA_DIR: sessions, hosts, job-signing key and live feed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "app-restart-" });
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    // Blank what `deno task test` exports, so both stores live under DATA_DIR.
    const env = {
      DATA_DIR: dir,
      APP_URL: base,
      LOG_LEVEL: "error",
      PASSWORD_HASH_COST: "10",
      DENO_KV_PATH: "",
      DATABASE_URL: "",
      APP_ENV: "",
      NO_COLOR: "1",
    };
    const payload = JSON.parse(
      await Deno.readTextFile(new URL("status-minimal.json", FIXTURES)),
    ) as Record<string, unknown>;
    let app: Deno.ChildProcess | null = null;
    const start = async () => {
      app = spawnApp(port, env);
      await waitUntilUp(`${base}/readyz`);
    };
    const stop = async () => {
      app!.kill("SIGTERM");
      equal((await app!.status).code, 0, "clean stop");
      app = null;
    };
    try {
      await runScript("scripts/user_create.ts", [
        "--email",
        OWNER.email,
        "--org",
        "restart",
        "--role",
        "owner",
        "--password",
        OWNER.password,
      ], env);
      await start();
      const cookie = await signIn(base, OWNER.email, OWNER.password);
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`${base}${path}`, {
          method,
          headers: { "content-type": "application/json", origin: base, cookie },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      const createHost = async (slug: string): Promise<CreatedHost> => {
        const res = await api("POST", "/api/hosts", { name: slug, slug });
        equal(res.status, 201, await res.clone().text());
        return await res.json();
      };
      /** Pushes a fresh snapshot and reads the live event it caused; its id. */
      const pushAndWatch = async (created: CreatedHost): Promise<number> => {
        await using live = await openSse(`${base}/api/live`, { cookie });
        equal(live.status, 200, live.text);
        const res = await fetch(`${base}/api/hosts/${created.host.id}/status`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${created.onboarding.token}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ ...payload, ts: new Date().toISOString() }),
        });
        equal(res.status, 200, await res.clone().text());
        const event = await live.nextEvent((f) => f.data?.hostId === created.host.id);
        return Number(event.id);
      };

      const first = await createHost("web-1");
      const kid = jobKeyIdOf(first);
      ok(kid, "onboarding names the job-signing key");
      const before = await pushAndWatch(first);
      await stop();

      await start();
      const hosts = await api("GET", "/api/hosts");
      equal(hosts.status, 200, "the session survived the restart");
      ok((await hosts.text()).includes(first.host.id));
      const second = await createHost("web-2");
      equal(jobKeyIdOf(second), kid, "the same job-signing key after a restart");
      const after = await pushAndWatch(first);
      ok(after > before, `live event ids go on (${before} → ${after})`);
      await stop();
    } finally {
      try {
        (app as Deno.ChildProcess | null)?.kill("SIGKILL");
      } catch { /* already stopped */ }
      await Deno.remove(dir, { recursive: true });
    }
  },
});
