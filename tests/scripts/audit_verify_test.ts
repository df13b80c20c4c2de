import assert from "node:assert/strict";
import { join } from "node:path";
import { appendAudit } from "@/lib/audit/append.ts";
import { exportChainHeads } from "@/lib/audit/heads.ts";
import { migrateToLatest, openLedger } from "@/lib/db/ledger/mod.ts";
import { runAuditVerify } from "@/scripts/audit_verify.ts";
import { capturedOutput } from "@/scripts/script_output.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { buildChain, rewriteChainHashes } from "../support/audit_chains.ts";
import { seedOrg } from "../support/operators.ts";

const SECRET = "test-secret-test-secret-test-secret-0123";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "audit_verify_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function envFor(url: string, dir: string): Record<string, string> {
  return {
    APP_ENV: "test",
    DATABASE_URL: url,
    DATA_DIR: dir,
    DENO_KV_PATH: ":memory:",
    AUDIT_HEAD_SINK: `file:${join(dir, "heads.jsonl")}`,
  };
}

forEachLedger(
  "[scripts] audit:verify: clean chains exit 0, one line each",
  async (ledger, { url }) => {
    await withTempDir(async (dir) => {
      const org = await seedOrg(ledger, "acme");
      const entries = await buildChain(ledger, org.id, 3);
      const global = await appendAudit(ledger, {
        orgId: null,
        actor: { type: "anonymous", id: "" },
        action: "auth.sign_in.failed",
        summary: "x",
      });
      const output = capturedOutput();
      assert.equal(await runAuditVerify([], envFor(url, dir), output), 0, output.stderr.join("\n"));
      assert.deepEqual(output.stdout, [
        `ok ${org.id} 3 entries, head 3 ${entries[2].hash.slice(0, 12)}`,
        `ok _global 1 entries, head 1 ${global.hash.slice(0, 12)}`,
      ]);
      assert.match(output.stderr.join("\n"), /no exported heads at .*heads\.jsonl yet/);

      const one = capturedOutput();
      assert.equal(await runAuditVerify(["--org", "acme"], envFor(url, dir), one), 0);
      assert.deepEqual(one.stdout, [
        `ok ${org.id} 3 entries, head 3 ${entries[2].hash.slice(0, 12)}`,
      ]);
      const byId = capturedOutput();
      assert.equal(await runAuditVerify(["--org", org.id], envFor(url, dir), byId), 0);
      assert.deepEqual(byId.stdout, one.stdout);

      await exportChainHeads(ledger, {
        sink: `file:${join(dir, "heads.jsonl")}`,
        secret: SECRET,
        now: new Date(),
      });
      const withHeads = capturedOutput();
      assert.equal(await runAuditVerify([], envFor(url, dir), withHeads), 0);
      assert.equal(withHeads.stdout.at(-1), "ok exported heads: 2 chains match");
    });
  },
);

forEachLedger(
  "[scripts] audit:verify: a tampered entry exits 1 naming it",
  async (ledger, { url }) => {
    await withTempDir(async (dir) => {
      const org = await seedOrg(ledger, "acme");
      const other = await seedOrg(ledger, "other");
      const entries = await buildChain(ledger, org.id, 4);
      await buildChain(ledger, other.id, 2);
      await ledger.db.updateTable("audit_entries").set({ summary: "nothing happened" })
        .where("chain", "=", org.id).where("seq", "=", 2).execute();
      const output = capturedOutput();
      assert.equal(await runAuditVerify([], envFor(url, dir), output), 1);
      assert.ok(
        output.stdout.includes(
          `BROKEN ${org.id} at seq 2 (${entries[1].id}): hash mismatch (entry edited)`,
        ),
        output.stdout.join("\n"),
      );
      assert.ok(
        output.stdout.some((l) => l.startsWith(`ok ${other.id} 2 entries`)),
        "other chains still checked",
      );

      await ledger.db.deleteFrom("audit_entries").where("chain", "=", other.id).where("seq", "=", 1)
        .execute();
      const deleted = capturedOutput();
      assert.equal(await runAuditVerify(["--org", "other"], envFor(url, dir), deleted), 1);
      assert.match(
        deleted.stdout[0],
        new RegExp(`^BROKEN ${other.id} at seq 2 \\(\\w+\\): seq gap after 0: entry 1 is missing`),
      );
    });
  },
);

forEachLedger(
  "[scripts] audit:verify: a whole-chain rewrite is caught by the exported heads",
  async (ledger, { url }) => {
    await withTempDir(async (dir) => {
      const org = await seedOrg(ledger, "acme");
      const entries = await buildChain(ledger, org.id, 3);
      const headsPath = join(dir, "elsewhere.jsonl");
      await exportChainHeads(ledger, {
        sink: `file:${headsPath}`,
        secret: SECRET,
        now: new Date(),
      });
      await ledger.db.updateTable("audit_entries").set({ summary: "rewritten" })
        .where("chain", "=", org.id).where("seq", "=", 1).execute();
      await rewriteChainHashes(ledger, org.id);
      const output = capturedOutput();
      assert.equal(await runAuditVerify(["--heads", headsPath], envFor(url, dir), output), 1);
      assert.match(
        output.stdout[0],
        new RegExp(`^ok ${org.id} 3 entries`),
        "the walk alone passes",
      );
      assert.match(
        output.stdout[1],
        new RegExp(
          `^BROKEN ${org.id} at seq 3 \\(${
            entries[2].id
          }\\): hash [0-9a-f]{12} differs from the exported head ${
            entries[2].hash.slice(0, 12)
          } \\(chain rewritten\\)$`,
        ),
      );
    });
  },
);

forEachLedger(
  "[scripts] audit:verify: bad arguments and config exit 2",
  async (ledger, { url }) => {
    await withTempDir(async (dir) => {
      const env = envFor(url, dir);
      const cases: [string[], Record<string, string>, RegExp][] = [
        [["--bogus"], env, /Unknown option '--bogus'.*usage: deno task audit:verify/],
        [["--org"], env, /--org.*argument missing|usage/i],
        [["extra"], env, /positional|usage/i],
        [["--org", "nope"], env, /--org: no organization with slug or id "nope"/],
        [
          ["--heads", join(dir, "missing.jsonl")],
          env,
          /--heads: .*No such file|--heads: .*not found/i,
        ],
        [[], { ...env, DATABASE_URL: "mysql://x" }, /DATABASE_URL/],
      ];
      for (const [args, caseEnv, message] of cases) {
        const output = capturedOutput();
        assert.equal(await runAuditVerify(args, caseEnv, output), 2, args.join(" "));
        assert.match(output.stderr.join("\n"), message, args.join(" "));
      }
      assert.ok(ledger.dialect);
    });
  },
);

Deno.test("[scripts] audit:verify: an unmigrated ledger exits 2 asking for db:migrate", async () => {
  await withTempDir(async (dir) => {
    const output = capturedOutput();
    const env = envFor(`file:${join(dir, "fresh.db")}`, dir);
    assert.equal(await runAuditVerify([], env, output), 2);
    assert.match(output.stderr[0], /not migrated .*run "deno task db:migrate" first/);
  });
});

Deno.test("[scripts] audit:verify: the task entry point exits 0 clean, 1 tampered", async () => {
  await withTempDir(async (dir) => {
    const url = `file:${join(dir, "ledger.db")}`;
    const ledger = await openLedger(url);
    try {
      await migrateToLatest(ledger);
      const entries = await buildChain(ledger, "01TASK", 3);
      const run = async () => {
        const { code, stdout } = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", new URL("../../scripts/audit_verify.ts", import.meta.url).pathname],
          env: envFor(url, dir),
          stdout: "piped",
          stderr: "piped",
        }).output();
        return { code, stdout: new TextDecoder().decode(stdout).trim() };
      };
      assert.deepEqual(await run(), {
        code: 0,
        stdout: `ok 01TASK 3 entries, head 3 ${entries[2].hash.slice(0, 12)}`,
      });
      await ledger.db.deleteFrom("audit_entries").where("seq", "=", 2).execute();
      assert.deepEqual(await run(), {
        code: 1,
        stdout: `BROKEN 01TASK at seq 3 (${
          entries[2].id
        }): seq gap after 1: entry 2 is missing (entry deleted)`,
      });
    } finally {
      await ledger.close();
    }
  });
});
