import assert from "node:assert/strict";
import { expireIgnoredBreaches, reconcileBreaches } from "@/lib/breaches/reconcile.ts";
import { ignoreBreach } from "@/lib/breaches/actions.ts";
import { getBreach, listBreaches } from "@/lib/breaches/query.ts";
import { isPromoted } from "@/lib/breaches/promote.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { seedOrg } from "../../support/operators.ts";
import { at, seedHost, signal } from "../../support/hosts.ts";

const port = signal({
  code: "unexpected_public_port",
  severity: "high",
  fingerprint: "unexpected_public_port|tcp:6379",
  title: "Unexpected public port tcp:6379",
  evidence: { proc: "redis-server" },
});
const noise = signal({ code: "packages_changed", fingerprint: "packages_changed" });

Deno.test("[breaches] promotion: critical, tamper, drift, exposure, IOC — not noise", () => {
  assert.equal(isPromoted(port), true);
  assert.equal(isPromoted({ code: "firewall_changed", severity: "high" }), true);
  assert.equal(isPromoted({ code: "watched_files_changed", severity: "medium" }), true);
  assert.equal(isPromoted({ code: "host_disk_critical", severity: "critical" }), true);
  assert.equal(isPromoted(noise), false);
  assert.equal(isPromoted({ code: "host_silent", severity: "high" }), false);
});

forEachLedger(
  "[breaches] reconcile: open, refresh, fix, flap re-opens the same row",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    const run = (seconds: number, signals = [port, noise], nowS = seconds) =>
      reconcileBreaches(ledger, {
        orgId: org.id,
        hostId: host.id,
        snapshotId: `snap${seconds}`,
        signals,
        ts: at(seconds),
        now: at(nowS),
      });
    const first = await run(0);
    assert.equal(first.opened.length, 1);
    const id = first.opened[0].id;
    assert.deepEqual(await run(300), { opened: [], reopened: [], fixed: [] });
    assert.deepEqual((await run(600, [noise])).fixed.map((c) => c.id), [id]);
    assert.deepEqual((await run(500)).reopened, [], "an older snapshot decides nothing");
    assert.deepEqual((await run(900)).reopened.map((c) => c.id), [id]);
    const found = await getBreach(ledger, org.id, id);
    assert.equal(found?.breach.reopenCount, 1);
    assert.equal(found?.events.length, 3);
    assert.match(found?.events[2].reason ?? "", /flapped/);
    assert.equal((await listBreaches(ledger, org.id, {})).length, 1);
    assert.equal((await listBreaches(ledger, org.id, { q: "REDIS" })).length, 1, "evidence search");
    assert.equal((await listBreaches(ledger, org.id, { q: "nginx" })).length, 0);

    // Ignored with expiry: absence does not fix it; the cron ends the expiry.
    await ignoreBreach(ledger, {
      orgId: org.id,
      hostId: host.id,
      breachId: id,
      actor: { type: "user", id: "u1" },
      now: at(900),
    }, { reason: "accepted", until: at(2000) });
    assert.deepEqual((await run(1200, [noise])).fixed, []);
    assert.equal(await expireIgnoredBreaches(ledger, at(1999)), 0);
    assert.equal(await expireIgnoredBreaches(ledger, at(2001)), 1);
    assert.equal(await expireIgnoredBreaches(ledger, at(2002)), 0, "idempotent");
    const after = await getBreach(ledger, org.id, id);
    assert.equal(after?.breach.state, "fixed", "it was gone when the ignore expired");
    await assert.rejects(
      reconcileBreaches(ledger, {
        orgId: "other",
        hostId: host.id,
        snapshotId: null,
        signals: [port],
        ts: at(5000),
        now: at(5000),
      }),
      /No such host/,
    );
  },
);

forEachLedger(
  "[breaches] reconcile: concurrent snapshots of one host keep one row",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        reconcileBreaches(ledger, {
          orgId: org.id,
          hostId: host.id,
          snapshotId: `s${i}`,
          signals: [port],
          ts: at(i * 60),
          now: at(i * 60),
        })),
    );
    const rows = await listBreaches(ledger, org.id, {});
    assert.equal(rows.length, 1);
    assert.equal(rows[0].state, "open");
    assert.equal(rows[0].lastSeenAt.getTime(), at(540).getTime());
  },
);
