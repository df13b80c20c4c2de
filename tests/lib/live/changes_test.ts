/**
 * The change feed: gapless numbering per organization (also with two writers on one KV, as two
 * app instances), the bounded log, the host index, and a KV failure that is logged, never
 * thrown at the writer.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { openTestServices } from "../../support/test_services.ts";
import {
  type ChangeInput,
  liveCursor,
  LOG_LIMIT,
  noteChange,
  noteChanges,
  oldestChange,
  readChanges,
} from "@/lib/live/changes.ts";
import { liveHeadKey, liveHostKey, liveLogKey } from "@/lib/db/kv.ts";

const run = (orgId: string, id: string, hostId: string | null = null): ChangeInput => ({
  type: "run",
  orgId,
  hostId,
  id,
});

Deno.test("[live] events are numbered 1, 2, 3… per organization, in the order noted", async () => {
  await using services = await openTestServices();
  equal(await liveCursor(services.kv, "o_a"), "0");
  await Promise.all([
    noteChange(services, run("o_a", "r1")),
    noteChanges(services, [run("o_b", "x1"), run("o_a", "r2")]),
    noteChange(services, { ...run("o_a", "r3"), fields: { action: "dispatch" } }),
  ]);
  const a = await readChanges(services.kv, "o_a", { after: 0 });
  deepEqual(a.map((e) => [e.seq, e.id]), [[1, "r1"], [2, "r2"], [3, "r3"]]);
  deepEqual(a[2].fields, { action: "dispatch" });
  equal(a[0].at, services.clock.now().toISOString());
  deepEqual((await readChanges(services.kv, "o_b", { after: 0 })).map((e) => e.seq), [1]);
  equal(await liveCursor(services.kv, "o_a"), "3");
  deepEqual((await readChanges(services.kv, "o_a", { after: 2 })).map((e) => e.id), ["r3"]);
});

Deno.test("[live] another instance writing the head meanwhile: numbering goes on after it", async () => {
  await using services = await openTestServices();
  await noteChanges(services, [run("o_a", "r1"), run("o_a", "r2")]);
  // Another app instance on the same KV commits events 3-5: this process's memory is stale.
  const other = services.kv.atomic();
  for (const seq of [3, 4, 5]) {
    other.set(liveLogKey("o_a", seq), {
      seq,
      type: "run",
      hostId: null,
      id: `x${seq}`,
      at: "",
      fields: {},
    });
  }
  await other.set(liveHeadKey("o_a"), { seq: 5, at: "" }).commit();
  await Promise.all([
    noteChange(services, run("o_a", "r6")),
    noteChange(services, run("o_a", "r7")),
  ]);
  const seqs = (await readChanges(services.kv, "o_a", { after: 0 })).map((e) => `${e.seq}:${e.id}`);
  deepEqual(seqs, ["1:r1", "2:r2", "3:x3", "4:x4", "5:x5", "6:r6", "7:r7"]);
});

Deno.test("[live] the log keeps the last LOG_LIMIT events; a host's events are indexed", async () => {
  await using services = await openTestServices();
  await noteChanges(
    services,
    Array.from({ length: LOG_LIMIT + 10 }, (_, i) => run("o_a", `r${i}`, i % 3 ? null : "h_1")),
  );
  equal(await oldestChange(services.kv, "o_a"), 11);
  const host = await readChanges(services.kv, "o_a", { after: 0, hostId: "h_1", limit: 5 });
  deepEqual(host.map((e) => e.seq), [1, 4, 7, 10, 13], "the host index outlives the cap");
  ok(host.every((e) => e.hostId === "h_1"));
  const newest = (await services.kv.get<{ seq: number }>(liveHostKey("o_a", "h_1"))).value;
  equal(newest?.seq, LOG_LIMIT + 9, "the host's newest event id, for host streams to watch");
});

Deno.test("[live] a KV failure is logged and the writer goes on", async () => {
  const services = await openTestServices();
  const { kv } = services;
  await services[Symbol.asyncDispose]();
  await noteChange({ ...services, kv }, run("o_a", "r1")); // KV closed: must not throw
  ok(
    services.logLines.some((l) => l.msg === "live change not recorded" && l.orgId === "o_a"),
    JSON.stringify(services.logLines.slice(-3)),
  );
});
