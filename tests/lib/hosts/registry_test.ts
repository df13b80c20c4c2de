import assert from "node:assert/strict";
import { createHostKey } from "@/lib/hosts/keys.ts";
import {
  assertHostLimit,
  countHosts,
  createHost,
  deleteHost,
  getHost,
  getHostAnyOrg,
  getHostBySlug,
  HOST_ID_PATTERN,
  listHosts,
  setHostDisabled,
  setIngestMode,
  slugFromName,
  updateHost,
  validateHostInput,
} from "@/lib/hosts/registry.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection, seedOrg } from "../../support/operators.ts";
import { at, parsedSnapshot, seedHost, signal, storeServices, T0 } from "../../support/hosts.ts";

Deno.test("[hosts] validateHostInput: trims, lower-cases tags, names the failing field", () => {
  assert.deepEqual(
    validateHostInput({
      name: "  Web 1 ",
      slug: "WEB-1",
      group: " eu ",
      tags: ["Prod", "prod", "eu.west_1"],
      scopes: ["canary", "canary"],
      rolloutPriority: -100,
      paused: true,
    }),
    {
      name: "Web 1",
      slug: "web-1",
      group: "eu",
      tags: ["prod", "eu.west_1"],
      scopes: ["canary"],
      rolloutPriority: -100,
      paused: true,
    },
  );
  assert.deepEqual(validateHostInput({ name: "x", group: "  " }), { name: "x", group: null });
  assert.deepEqual(validateHostInput({ paused: false }, { partial: true }), { paused: false });
  const cases: [unknown, string][] = [
    [{ name: "" }, "name"],
    [{ name: "x".repeat(81) }, "name"],
    [{ name: "a\u0007b" }, "name"],
    [{ name: "x", slug: "-x-" }, "slug"],
    [{ name: "x", slug: "ab" }, "slug"],
    [{ name: "x", group: "g".repeat(41) }, "group"],
    [{ name: "x", tags: ["has space"] }, "tags.0"],
    [{ name: "x", tags: ["t".repeat(33)] }, "tags.0"],
    [{ name: "x", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, "tags"],
    [{ name: "x", rolloutPriority: 101 }, "rolloutPriority"],
    [{ name: "x", rolloutPriority: 1.5 }, "rolloutPriority"],
    [{ name: "x", paused: "yes" }, "paused"],
    [{ name: "x", extra: 1 }, "(body)"],
    [{}, "name"],
  ];
  for (const [input, field] of cases) {
    try {
      validateHostInput(input);
      assert.fail(`accepted ${JSON.stringify(input)}`);
    } catch (error) {
      const e = error as { status: number; code: string; details: { field: string } };
      assert.deepEqual([e.status, e.code], [400, "invalid_input"], JSON.stringify(input));
      assert.equal(e.details.field, field, JSON.stringify(input));
    }
  }
});

Deno.test("[hosts] slugFromName: a valid slug from any name", () => {
  assert.equal(slugFromName("Web 1 (Frankfurt)"), "web-1-frankfurt");
  assert.equal(slugFromName("db"), "db-host");
  assert.equal(slugFromName("ÄÖÜ"), "aou");
  assert.equal(slugFromName("!!!"), "host");
  assert.equal(slugFromName("x".repeat(60)).length, 40);
});

forEachLedger(
  "[hosts] createHost stores and reads back; get by id, slug, any org",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const host = await createHost(ledger, org.id, {
      name: "Web 1",
      group: "eu",
      tags: ["prod"],
      scopes: ["canary"],
      rolloutPriority: 5,
    }, { now: T0 });
    assert.match(host.id, HOST_ID_PATTERN);
    assert.match(host.id, /^h_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.deepEqual(host, {
      id: host.id,
      orgId: org.id,
      name: "Web 1",
      slug: "web-1",
      group: "eu",
      tags: ["prod"],
      scopes: ["canary"],
      rolloutPriority: 5,
      paused: false,
      disabledAt: null,
      ingestMode: "bearer",
      agentVersion: null,
      lastSeenAt: null,
      lastSnapshotAt: null,
      lastPollAt: null,
      heartbeatExpectedMinutes: null,
      createdAt: T0,
    });
    assert.deepEqual(await getHost(ledger, org.id, host.id), host);
    assert.deepEqual(await getHostBySlug(ledger, org.id, "WEB-1"), host);
    assert.deepEqual(await getHostAnyOrg(ledger, host.id), host);
    assert.equal(await getHostAnyOrg(ledger, "no/such host"), null, "malformed id: no lookup");
    assert.equal(await getHost(ledger, org.id, "h_nope"), null);
    assert.equal(await countHosts(ledger, org.id), 1);
  },
);

forEachLedger("[hosts] slug_taken: per organization, also under concurrency", async (ledger) => {
  const a = await seedOrg(ledger, "org-a");
  const b = await seedOrg(ledger, "org-b");
  await createHost(ledger, a.id, { name: "web", slug: "web-1" });
  const taken = await rejection(createHost(ledger, a.id, { name: "other", slug: "web-1" }));
  assert.deepEqual([taken.status, taken.code], [409, "slug_taken"]);
  assert.match(taken.message, /pick another/);
  await createHost(ledger, b.id, { name: "web", slug: "web-1" }); // other org: fine

  const results = await Promise.allSettled(
    Array.from({ length: 6 }, (_, i) => createHost(ledger, a.id, { name: `r${i}`, slug: "race" })),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  for (const r of results) {
    if (r.status === "rejected") assert.equal((r.reason as { code: string }).code, "slug_taken");
  }
  const second = await seedHost(ledger, a, "web-2");
  const renamed = await rejection(updateHost(ledger, a.id, second.id, { slug: "web-1" }));
  assert.deepEqual([renamed.status, renamed.code], [409, "slug_taken"]);
});

forEachLedger(
  "[hosts] the plan-limit hook counts in one place and holds under races",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    await assertHostLimit(ledger, org.id, null);
    await assertHostLimit(ledger, org.id, 1);
    const results = await Promise.allSettled(
      Array.from(
        { length: 6 },
        (_, i) =>
          createHost(ledger, org.id, { name: `h${i}`, slug: `host-${i}` }, { hostLimit: 3 }),
      ),
    );
    assert.equal(
      results.filter((r) => r.status === "fulfilled").length,
      3,
    );
    assert.equal(await countHosts(ledger, org.id), 3);
    const full = await rejection(assertHostLimit(ledger, org.id, 3));
    assert.deepEqual([full.status, full.code], [403, "host_limit_reached"]);
    assert.match(full.message, /Delete a host or upgrade/);
    await createHost(ledger, org.id, { name: "unlimited" }, { hostLimit: null });
  },
);

forEachLedger(
  "[hosts] listHosts pages by slug and filters by search, group, tag",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const other = await seedOrg(ledger, "other");
    await seedHost(ledger, other, "web-9");
    await seedHost(ledger, org, "web-1", { group: "eu", tags: ["prod", "a_b"] });
    await seedHost(ledger, org, "web-2", { group: "eu", tags: ["axb"], name: "Frontend" });
    await seedHost(ledger, org, "db-1", { group: "us", tags: ["prod"] });
    const off = await seedHost(ledger, org, "old-1");
    await setHostDisabled(ledger, org.id, off.id, true, T0);

    const slugs = async (options: Parameters<typeof listHosts>[2]) =>
      (await listHosts(ledger, org.id, options)).map((h) => h.slug);
    assert.deepEqual(await slugs({}), ["db-1", "web-1", "web-2"]);
    assert.deepEqual(await slugs({ includeDisabled: true }), ["db-1", "old-1", "web-1", "web-2"]);
    assert.deepEqual(await slugs({ limit: 2 }), ["db-1", "web-1"]);
    assert.deepEqual(await slugs({ limit: 2, after: "web-1" }), ["web-2"]);
    assert.deepEqual(await slugs({ group: "eu" }), ["web-1", "web-2"]);
    assert.deepEqual(await slugs({ tag: "prod" }), ["db-1", "web-1"]);
    assert.deepEqual(await slugs({ tag: "a_b" }), ["web-1"], "_ is literal, not a wildcard");
    assert.deepEqual(await slugs({ tag: "pro" }), [], "whole tags only");
    assert.deepEqual(await slugs({ search: "WEB" }), ["web-1", "web-2"]);
    assert.deepEqual(await slugs({ search: "frontEND" }), ["web-2"], "name, case-insensitive");
    assert.deepEqual(await slugs({ search: "%" }), [], "% is literal");
    const bad = await rejection(listHosts(ledger, org.id, { limit: 500 }));
    assert.deepEqual([bad.status, bad.code], [400, "invalid_input"]);
  },
);

forEachLedger(
  "[hosts] update, disable and ingest mode change only what is given",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1", { tags: ["prod"] });
    const updated = await updateHost(ledger, org.id, host.id, {
      name: "Web One",
      group: "eu",
      rolloutPriority: 100,
      paused: true,
    });
    assert.deepEqual(updated, {
      ...host,
      name: "Web One",
      group: "eu",
      rolloutPriority: 100,
      paused: true,
    });
    assert.deepEqual(await getHost(ledger, org.id, host.id), updated);
    assert.deepEqual(await updateHost(ledger, org.id, host.id, {}), updated);
    assert.equal((await updateHost(ledger, org.id, host.id, { group: null })).group, null);

    const off = await setHostDisabled(ledger, org.id, host.id, true, at(60));
    assert.deepEqual(off.disabledAt, at(60));
    const again = await setHostDisabled(ledger, org.id, host.id, true, at(120));
    assert.deepEqual(again.disabledAt, at(60), "disabling twice keeps the first time");
    assert.equal((await setHostDisabled(ledger, org.id, host.id, false, at(180))).disabledAt, null);

    const signed = await setIngestMode(ledger, org.id, host.id, "signed");
    assert.deepEqual([signed.previous, signed.host.ingestMode], ["bearer", "signed"]);
    assert.equal((await getHost(ledger, org.id, host.id))?.ingestMode, "signed");
    const back = await setIngestMode(ledger, org.id, host.id, "bearer");
    assert.deepEqual([back.previous, back.host.ingestMode], ["signed", "bearer"]);
    const badMode = await rejection(setIngestMode(ledger, org.id, host.id, "loose" as "bearer"));
    assert.deepEqual([badMode.status, badMode.code], [400, "invalid_input"]);
  },
);

forEachLedger("[hosts] org B cannot see, change or delete org A's host", async (ledger) => {
  const a = await seedOrg(ledger, "org-a");
  const b = await seedOrg(ledger, "org-b");
  const host = await seedHost(ledger, a, "web-1");
  assert.equal(await getHost(ledger, b.id, host.id), null);
  assert.equal(await getHostBySlug(ledger, b.id, "web-1"), null);
  assert.deepEqual(await listHosts(ledger, b.id), []);
  for (
    const attempt of [
      () => updateHost(ledger, b.id, host.id, { name: "pwned" }),
      () => setHostDisabled(ledger, b.id, host.id, true, T0),
      () => setIngestMode(ledger, b.id, host.id, "signed"),
      () => deleteHost(ledger, b.id, host.id),
    ]
  ) {
    const denied = await rejection(attempt());
    assert.deepEqual([denied.status, denied.code], [404, "host_not_found"]);
  }
  assert.deepEqual(await getHost(ledger, a.id, host.id), host, "untouched");
});

forEachLedger("[hosts] deleteHost removes its keys, snapshots and signals only", async (ledger) => {
  await using services = await storeServices(ledger);
  const org = await seedOrg(ledger, "acme");
  const doomed = await seedHost(ledger, org, "web-1");
  const kept = await seedHost(ledger, org, "web-2");
  for (const host of [doomed, kept]) {
    await createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 });
    for (let i = 0; i < 3; i++) {
      await storeSnapshot(services, {
        host,
        parsed: parsedSnapshot({ ts: at(i).toISOString() }),
        signals: [signal(), signal({ code: "ssh_noise_spike" })],
        now: at(i),
      });
    }
  }
  const removed = await deleteHost(ledger, org.id, doomed.id);
  assert.deepEqual(
    [removed.host.id, removed.keys, removed.snapshots, removed.signals],
    [doomed.id, 1, 3, 6],
  );
  assert.equal(await getHost(ledger, org.id, doomed.id), null);
  const count = async (table: "host_keys" | "snapshots" | "signals", hostId: string) =>
    (await ledger.db.selectFrom(table).select("id").where("host_id", "=", hostId).execute())
      .length;
  for (const table of ["host_keys", "snapshots", "signals"] as const) {
    assert.equal(await count(table, doomed.id), 0, table);
  }
  assert.deepEqual(
    [await count("host_keys", kept.id), await count("snapshots", kept.id)],
    [1, 3],
  );
  assert.equal(await count("signals", kept.id), 6);
  const gone = await rejection(deleteHost(ledger, org.id, doomed.id));
  assert.equal(gone.status, 404);
});
