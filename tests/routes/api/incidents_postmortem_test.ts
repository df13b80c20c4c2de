/**
 * Postmortems: drafted on resolve and pre-filled with the timeline and linked signals; edits of
 * the draft (owners must be members, 400 naming the field); publish needs summary and root
 * cause and makes it read-only (edits, a second publish and a waive answer 409); waive with a
 * reason is read-only too.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { queryAudit } from "@/lib/audit/query.ts";
import { incidentWorld } from "../../lib/incidents/world.ts";

interface Pm {
  status: string;
  summary: string;
  rootCause: string;
  actionItems: {
    id: string;
    title: string;
    ownerId: string | null;
    dueDate: string | null;
    status: string;
  }[];
  prefill: { timeline: { type: string }[]; signals: { code: string }[]; runs: unknown[] };
}

Deno.test("[postmortem] drafted on resolve, edited, published, then read-only (409)", async () => {
  await using w = await incidentWorld();
  const shop = await w.host("shop-prod-1");
  await w.pushIoc(shop, "2026-11-25T09:55:00.000Z");
  const [incident] = (await w.api(w.a.viewer, "GET", "/api/incidents")).body.incidents as {
    id: string;
  }[];
  const path = `/api/incidents/${incident.id}/postmortem`;
  const none = await w.api(w.a.viewer, "GET", path);
  equal(none.status, 404);
  equal(none.body.error?.code, "no_postmortem");
  const early = await w.api(w.a.ops, "PUT", path, { summary: "x" });
  equal(early.status, 409);
  equal(early.body.error?.code, "no_postmortem");

  await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, { action: "acknowledge" });
  await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, { action: "resolve" });
  const draft = (await w.api(w.a.viewer, "GET", path)).body.postmortem as Pm;
  equal(draft.status, "draft");
  match(draft.summary, /critical incident/);
  match(draft.summary, /outbound_scan_ioc/);
  deepEqual(draft.prefill.signals.map((s) => s.code), ["outbound_scan_ioc"]);
  ok(draft.prefill.timeline.some((e) => e.type === "acknowledged"));
  ok(draft.prefill.timeline.some((e) => e.type === "resolved"));

  equal((await w.api(w.a.viewer, "PUT", path, { impact: "x" })).status, 403);
  const outsider = await w.api(w.a.ops, "PUT", path, {
    actionItems: [{ title: "Rotate keys", ownerId: w.ownerB.userId }],
  });
  equal(outsider.status, 400);
  equal(outsider.body.error?.details?.field, "actionItems.0.ownerId");
  const badDate = await w.api(w.a.ops, "PUT", path, {
    actionItems: [{ title: "Rotate keys", dueDate: "next week" }],
  });
  equal(badDate.status, 400);
  equal(badDate.body.error?.details?.field, "actionItems.0.dueDate");
  const noRoot = await w.api(w.a.ops, "POST", path, { action: "publish" });
  equal(noRoot.status, 400);
  equal(noRoot.body.error?.details?.field, "rootCause");

  const edited = await w.api(w.a.ops, "PUT", path, {
    impact: "shop-api scanned 18 hosts for 9 minutes",
    rootCause: "A compromised npm dependency",
    actionItems: [
      { title: "Pin dependencies", ownerId: w.a.admin.userId, dueDate: "2026-12-01" },
      { title: "Rebuild the host", ownerId: w.a.ops.userId, status: "done" },
    ],
  });
  equal(edited.status, 200, JSON.stringify(edited.body));
  const pm = edited.body.postmortem as Pm;
  deepEqual(pm.actionItems.map((i) => [i.title, i.ownerId, i.dueDate, i.status]), [
    ["Pin dependencies", w.a.admin.userId, "2026-12-01", "open"],
    ["Rebuild the host", w.a.ops.userId, null, "done"],
  ]);
  const published = await w.api(w.a.ops, "POST", path, { action: "publish" });
  equal(published.status, 200);
  equal((published.body.postmortem as Pm).status, "published");

  const locked = await w.api(w.a.ops, "PUT", path, { rootCause: "something else" });
  equal(locked.status, 409);
  equal(locked.body.error?.code, "postmortem_read_only");
  equal((await w.api(w.a.ops, "POST", path, { action: "publish" })).status, 409);
  equal((await w.api(w.a.ops, "POST", path, { action: "waive", reason: "late" })).status, 409);
  equal(
    ((await w.api(w.a.viewer, "GET", path)).body.postmortem as Pm).rootCause,
    "A compromised npm dependency",
  );
  // Re-opening and resolving again leaves a published postmortem alone.
  await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, { action: "reopen" });
  await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, { action: "resolve" });
  equal(((await w.api(w.a.viewer, "GET", path)).body.postmortem as Pm).status, "published");
  const audit = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "incident.postmortem.",
    limit: 10,
  });
  deepEqual(audit.entries.map((e) => e.action).sort(), [
    "incident.postmortem.edit",
    "incident.postmortem.publish",
  ]);
});

Deno.test("[postmortem] waived with a reason is read-only too", async () => {
  await using w = await incidentWorld();
  const incident = await w.open({ severity: "medium" });
  await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, { action: "resolve" });
  const path = `/api/incidents/${incident.id}/postmortem`;
  const noReason = await w.api(w.a.ops, "POST", path, { action: "waive" });
  equal(noReason.status, 400);
  equal(noReason.body.error?.details?.field, "reason");
  const waived = await w.api(w.a.ops, "POST", path, { action: "waive", reason: "false positive" });
  equal(waived.status, 200);
  const pm = waived.body.postmortem as Pm & { waiveReason: string };
  equal(pm.status, "waived");
  equal(pm.waiveReason, "false positive");
  equal((await w.api(w.a.ops, "PUT", path, { summary: "x" })).status, 409);
});
