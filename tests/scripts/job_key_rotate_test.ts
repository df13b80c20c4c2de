/**
 * job-key:rotate, the server operator's rotation of the job-signing key every organization's
 * jobs are signed with: beside a running server on the same SQLite ledger, the server signs with
 * the new key and still trusts the old one; every organization's audit chain records it; bad
 * arguments change nothing.
 */
import { deepEqual, equal, match, notEqual } from "node:assert/strict";
import { runUserCreate } from "@/scripts/user_create.ts";
import { runJobKeyRotate } from "@/scripts/job_key_rotate.ts";
import { capturedOutput } from "@/scripts/script_output.ts";
import { getActiveJobSigningKey, jobVerificationKeys } from "@/lib/remediation/job_keys.ts";
import { createTestApp } from "../support/test_app.ts";

async function owner(env: Record<string, string>, org: string) {
  const out = capturedOutput();
  const args = ["--email", `owner@${org}.test`, "--org", org, "--role", "owner"];
  const code = await runUserCreate(
    [...args, "--password", "a long enough passphrase"],
    env,
    () => Promise.resolve(null),
    out,
  );
  equal(code, 0, out.stderr.join("\n"));
}

Deno.test("[scripts] job-key:rotate rotates beside a running server, audited in every organization", async () => {
  const dir = await Deno.makeTempDir({ prefix: "job-key-" });
  const env = {
    DATABASE_URL: `file:${dir}/ledger.db`,
    DATA_DIR: dir,
    APP_SECRET: "y".repeat(40),
    PASSWORD_HASH_COST: "10",
  };
  try {
    await owner(env, "acme");
    await owner(env, "beta");
    await using t = await createTestApp({
      env: { DATABASE_URL: env.DATABASE_URL, APP_SECRET: env.APP_SECRET },
    });
    const before = await getActiveJobSigningKey(t.services);

    const bad = capturedOutput();
    equal(await runJobKeyRotate(["--overlap-sec", "60"], env, bad), 2);
    match(bad.stderr.join("\n"), /--overlap-sec: expected whole seconds 900-7776000/);

    const out = capturedOutput();
    equal(await runJobKeyRotate(["--overlap-sec", "3600"], env, out), 0, out.stderr.join("\n"));
    const printed = JSON.parse(out.stdout.join(""));
    notEqual(printed.activeKid, before.kid);
    equal(printed.previousKid, before.kid);

    // The server's view: the new key is the one runners are told about, the old still trusted.
    const keys = await jobVerificationKeys(t.services);
    deepEqual(keys.map((k) => k.kid), [printed.activeKid, before.kid]);
    const audited = await t.services.ledger.db.selectFrom("audit_entries")
      .select(["chain", "actor_id", "target_id"])
      .where("action", "=", "remediation.job_key.rotate").orderBy("chain").execute();
    equal(audited.length, 2, "one entry per organization");
    for (const entry of audited) {
      equal(entry.actor_id, "job-key:rotate");
      equal(entry.target_id, printed.activeKid);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
