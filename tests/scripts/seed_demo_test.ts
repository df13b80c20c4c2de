/**
 * `deno task demo:seed` at small scale, on both ledgers: the counts come out as asked (hosts,
 * days × snapshots per day, signals near the target), what it reports is what the stores hold,
 * a second run creates nothing (organization and hosts are reused, seeded hosts skipped), bad
 * arguments exit 2, and a KV file held by another process is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { forEachLedger } from "../support/ledgers.ts";
import { runSeedDemo } from "../../scripts/seed_demo.ts";
import { capturedOutput } from "../../scripts/script_output.ts";
import { demoHost, pushesAt } from "@/lib/demo/fleet_gen.ts";
import { fleetCounters, recountFleet } from "@/lib/hosts/fleet_counts.ts";
import { getOrgBySlug } from "@/lib/orgs/orgs.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";

const DAY = 86_400_000;

async function count(ledger: Ledger, table: "hosts" | "snapshots" | "signals", orgId: string) {
  const row = await ledger.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n"))
    .where("org_id", "=", orgId).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function seed(args: string[], env: Record<string, string>) {
  const output = capturedOutput();
  const code = await runSeedDemo(args, env, output);
  return { code, output, summary: code === 0 ? JSON.parse(output.stdout.at(-1)!) : null };
}

forEachLedger(
  "[demo:seed] counts as asked, what it reports is stored, a rerun creates nothing",
  async (ledger, { url }) => {
    const dir = await Deno.makeTempDir({ prefix: "seed_demo_" });
    const env = { DATA_DIR: dir, DATABASE_URL: url, LOG_LEVEL: "error" };
    try {
      const started = Date.now();
      const args = ["--hosts", "14", "--days", "2", "--per-day", "3", "--org", "acme"];
      const first = await seed(args, env);
      assert.equal(first.code, 0, first.output.stderr.join("\n"));
      const s = first.summary;
      assert.equal(s.orgCreated, true);
      assert.equal(s.hosts, 14);
      assert.equal(s.hostsCreated, 14);
      assert.equal(s.perDay, 3);
      const planned = Array.from({ length: 14 }, (_, i) => demoHost(1, i))
        .reduce((n, h) => n + [0, 1, 2, 3, 4, 5].filter((k) => pushesAt(h, k / 5)).length, 0);
      assert.equal(s.snapshots, planned, "2 days × 3 per day for every host that pushes");
      assert.ok(s.signals > 0);
      assert.ok(first.output.stderr.some((l) => /snapshots, \d+ signals/.test(l)), "progress");

      const org = (await getOrgBySlug(ledger, "acme"))!;
      assert.equal(await count(ledger, "hosts", org.id), 14);
      assert.equal(await count(ledger, "snapshots", org.id), s.snapshots);
      assert.equal(await count(ledger, "signals", org.id), s.signals);
      const span = await ledger.db.selectFrom("snapshots")
        .select((eb) => [eb.fn.min("ts").as("first"), eb.fn.max("ts").as("last")])
        .where("org_id", "=", org.id).executeTakeFirstOrThrow();
      const first_ = new Date(span.first as string | Date).getTime();
      const last = new Date(span.last as string | Date).getTime();
      assert.ok(last <= Date.now() && last > started - 10 * 60_000, "ends now");
      assert.ok(Math.abs(last - first_ - (2 * DAY - DAY / 3)) < 10 * 60_000, "spans two days");
      const counters = await fleetCounters(ledger, org.id);
      assert.equal(counters.get("hosts"), 14);
      assert.deepEqual(
        [...counters].filter(([, n]) => n).sort(),
        [...await recountFleet(ledger, org.id)].filter(([, n]) => n).sort(),
      );

      const again = await seed(args, env);
      assert.equal(again.code, 0, again.output.stderr.join("\n"));
      assert.equal(again.summary.orgCreated, false);
      assert.equal(again.summary.orgId, s.orgId);
      assert.equal(again.summary.hostsCreated, 0);
      assert.equal(again.summary.hostsSkipped, 14);
      assert.equal(again.summary.snapshots, 0);
      assert.equal(await count(ledger, "hosts", org.id), 14);
      assert.equal(await count(ledger, "snapshots", org.id), s.snapshots);
      const orgs = await ledger.db.selectFrom("orgs").select("id").where("slug", "=", "acme")
        .execute();
      assert.equal(orgs.length, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("[demo:seed] a signal target sizes snapshots per day", async () => {
  const dir = await Deno.makeTempDir({ prefix: "seed_demo_" });
  try {
    const { code, summary, output } = await seed(
      ["--hosts", "20", "--days", "3", "--signals", "900"],
      { DATA_DIR: dir, LOG_LEVEL: "error" },
    );
    assert.equal(code, 0, output.stderr.join("\n"));
    assert.equal(summary.org, "demo");
    assert.ok(summary.perDay >= 2, `per day ${summary.perDay}`);
    assert.ok(Math.abs(summary.signals - 900) / 900 < 0.4, `signals ${summary.signals} ≈ 900`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[demo:seed] bad arguments exit 2; a KV file held by a server is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "seed_demo_" });
  const env = { DATA_DIR: dir, LOG_LEVEL: "error" };
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const kv = await Deno.openKv(${JSON.stringify(join(dir, "kv.sqlite3"))});
       await kv.set(["x"], 1); console.log("open"); setInterval(() => {}, 1000);`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    assert.equal((await seed(["--hosts", "0", "--days", "1"], env)).code, 2);
    assert.equal((await seed(["--hosts", "5"], env)).code, 2);
    assert.equal((await seed(["--hosts", "5", "--days", "1", "--org", "Not A Slug"], env)).code, 2);
    const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value ?? "", /open/);
    const refused = await seed(["--hosts", "5", "--days", "1"], env);
    assert.equal(refused.code, 1);
    assert.match(refused.output.stderr.join("\n"), new RegExp(`in use by process ${holder.pid}`));
    await reader.cancel();
  } finally {
    holder.kill("SIGTERM");
    await holder.status;
    await Deno.remove(dir, { recursive: true });
  }
});
