/**
 * host:create as operators use it: next to a running server on the same SQLite ledger, its
 * token works for a real status push at once; bad arguments and unknown orgs are refused.
 */
import { equal, match } from "node:assert/strict";
import { runUserCreate } from "@/scripts/user_create.ts";
import { runHostCreate } from "@/scripts/host_create.ts";
import { capturedOutput } from "@/scripts/script_output.ts";
import { createTestApp } from "../support/test_app.ts";

const root = new URL("../../", import.meta.url).pathname;
const FIXTURES = new URL("../../../shared/fixtures/agent/", import.meta.url);

Deno.test("[scripts] host:create works beside a running server and its token pushes at once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "host-create-" });
  const env = {
    DATABASE_URL: `file:${dir}/ledger.db`,
    DATA_DIR: dir,
    APP_SECRET: "x".repeat(40),
    PASSWORD_HASH_COST: "10",
  };
  try {
    const setup = capturedOutput();
    equal(
      await runUserCreate(
        [
          "--email",
          "ops@acme.test",
          "--org",
          "acme",
          "--role",
          "owner",
          "--password",
          "a long enough passphrase",
        ],
        env,
        () => Promise.resolve(null),
        setup,
      ),
      0,
    );
    // The app holds the same ledger file open while the real task runs as its own process.
    await using t = await createTestApp({ env: { DATABASE_URL: env.DATABASE_URL } });
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "host:create",
        "--org",
        "acme",
        "--name",
        "web-1",
        "--group",
        "web",
        "--tags",
        "prod,eu",
      ],
      cwd: root,
      env: { ...env, DENO_KV_PATH: "", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    equal(lines.length, 1, "exactly one JSON line");
    const created = JSON.parse(lines[0]);
    match(created.token, /^vs1_[A-Za-z0-9_-]{32}$/);
    equal(created.ingestUrl, `http://localhost:8000/api/hosts/${created.hostId}/status`);
    const res = await t.app.request(`/api/hosts/${created.hostId}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, "content-type": "application/json" },
      body: await Deno.readFile(new URL("status-drift.json", FIXTURES)),
    });
    equal(res.status, 200);
    equal((await res.json()).persisted, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[scripts] host:create refuses bad arguments (2) and unknown organizations (1)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "host-create-" });
  const env = { DATABASE_URL: `file:${dir}/ledger.db`, DATA_DIR: dir };
  try {
    const missing = capturedOutput();
    equal(await runHostCreate(["--org", "acme"], env, missing), 2);
    match(missing.stderr.join("\n"), /--name is required/);
    const unknown = capturedOutput();
    equal(await runHostCreate(["--org", "nope", "--name", "web-1"], env, unknown), 1);
    match(unknown.stderr.join("\n"), /no organization "nope"/);
    equal(unknown.stdout.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
