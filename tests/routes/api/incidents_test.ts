/**
 * The incident API: open by hand, transitions (409 on illegal ones), assignment to members
 * only, notes, links, list filters and counts, bad input as 400 naming the field, audit
 * entries, and organization isolation (another organization sees and changes nothing: 404).
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { queryAudit } from "@/lib/audit/query.ts";
import { incidentWorld } from "../../lib/incidents/world.ts";

type Row = { id: string; state: string; overdue: boolean };

Deno.test("[incidents api] open by hand: ops only, 400 naming the field, hosts of the org only", async () => {
  await using w = await incidentWorld();
  const web = await w.host("web-1");
  const denied = await w.api(w.a.viewer, "POST", "/api/incidents", {
    title: "x",
    severity: "high",
  });
  equal(denied.status, 403);
  for (
    const [body, field] of [
      [{ severity: "high" }, "title"],
      [{ title: "x", severity: "low" }, "severity"],
      [{ title: "x", severity: "high", hostIds: ["h_nope"] }, "hostIds.0"],
      [{ title: "x", severity: "high", breachIds: [42] }, "breachIds.0"],
      [{ title: "x", severity: "high", color: "red" }, "(body)"],
    ] as const
  ) {
    const res = await w.api(w.a.ops, "POST", "/api/incidents", body);
    equal(res.status, 400, JSON.stringify(body));
    equal(res.body.error?.details?.field, field, JSON.stringify(res.body));
  }
  const created = await w.open({ title: "Disk full", severity: "high", hostIds: [web.host.id] });
  equal(created.state, "open");
  equal(created.hostId, web.host.id);
  equal(created.source, "manual");
  const audit = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "incident.create",
    limit: 5,
  });
  equal(audit.entries.length, 1);
  equal(audit.entries[0].actor.id, w.a.ops.userId);
});

Deno.test("[incidents api] transitions follow open → acknowledged → resolved → closed; illegal ones are 409", async () => {
  await using w = await incidentWorld();
  const incident = await w.open();
  const act = (action: string, who = w.a.ops) =>
    w.api(who, "POST", `/api/incidents/${incident.id}`, { action });
  equal((await act("acknowledge", w.a.viewer)).status, 403);
  equal((await act("close")).status, 409);
  equal((await act("reopen")).status, 409);
  equal((await act("acknowledge")).status, 200);
  const twice = await act("acknowledge");
  equal(twice.status, 409);
  equal(twice.body.error?.code, "invalid_transition");
  equal((await act("resolve")).status, 200);
  equal((await act("resolve")).status, 409);
  equal((await act("close")).status, 200);
  equal((await act("close")).status, 409);
  equal((await act("reopen")).status, 200);
  const after = await w.incident(incident.id);
  equal(after.state, "open");
  equal(after.reopenCount, 1);
  ok(after.acknowledgedAt, "the first acknowledgement is kept (MTTA)");
  equal(after.resolvedAt, null);
  equal(after.closedAt, null);
  const { body } = await w.api(w.a.viewer, "GET", `/api/incidents/${incident.id}`);
  const types = (body.events as { type: string; actorId: string }[]).map((e) => e.type)
    .filter((t) => t !== "notified");
  deepEqual(types, ["opened", "acknowledged", "resolved", "postmortem", "closed", "reopened"]);
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "incident.", limit: 50 });
  for (
    const a of ["incident.acknowledge", "incident.resolve", "incident.close", "incident.reopen"]
  ) {
    ok(audit.entries.some((e) => e.action === a), a);
  }
  const bad = await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, { action: "explode" });
  equal(bad.status, 400);
  equal(bad.body.error?.details?.field, "action");
});

Deno.test("[incidents api] assignment to members, notes and links", async () => {
  await using w = await incidentWorld();
  const web = await w.host("web-1");
  await w.pushIoc(web, "2026-11-25T09:55:00.000Z");
  const breach = (await w.services.ledger.db.selectFrom("breaches").select("id")
    .where("org_id", "=", w.orgA.id).executeTakeFirstOrThrow()).id;
  const incident = await w.open({ severity: "high" });
  const act = (body: Record<string, unknown>) =>
    w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, body);
  const outsider = await act({ action: "assign", assigneeId: w.ownerB.userId });
  equal(outsider.status, 400);
  equal(outsider.body.error?.details?.field, "assigneeId");
  equal((await act({ action: "assign", assigneeId: "u_missing" })).status, 400);
  equal((await act({ action: "assign", assigneeId: w.a.viewer.userId })).status, 200);
  equal((await w.incident(incident.id)).assigneeId, w.a.viewer.userId);
  const empty = await act({ action: "note", text: "  " });
  equal(empty.status, 400);
  equal(empty.body.error?.details?.field, "text");
  equal((await act({ action: "note", text: "Called the hosting provider" })).status, 200);
  equal((await act({ action: "link", kind: "breach", refId: breach })).status, 200);
  equal((await act({ action: "link", kind: "host", refId: web.host.id })).status, 200);
  const missing = await act({ action: "link", kind: "run", refId: "run_nope" });
  equal(missing.status, 400);
  equal(missing.body.error?.details?.field, "refId");
  const kind = await act({ action: "link", kind: "cat", refId: "x" });
  equal(kind.status, 400);
  equal(kind.body.error?.details?.field, "kind");
  const { body } = await w.api(w.a.viewer, "GET", `/api/incidents/${incident.id}`);
  const links = (body.links as { kind: string; id: string }[]).map((l) => `${l.kind}:${l.id}`);
  ok(links.includes(`breach:${breach}`));
  ok(links.includes(`host:${web.host.id}`));
  equal((body.incident as { hostId: string }).hostId, web.host.id, "the first host is primary");
  const events = body.events as { type: string; message: string; actorId: string }[];
  const note = events.find((e) => e.type === "note")!;
  equal(note.message, "Called the hosting provider");
  equal(note.actorId, w.a.ops.userId);
  equal((await act({ action: "unlink", kind: "breach", refId: breach })).status, 200);
  const again = await w.api(w.a.viewer, "GET", `/api/incidents/${incident.id}`);
  ok(!(again.body.links as { id: string }[]).some((l) => l.id === breach));
});

Deno.test("[incidents api] list filters, counts and overdue acknowledgements", async () => {
  await using w = await incidentWorld();
  const web = await w.host("web-1");
  const a = await w.open({ title: "A", severity: "critical", hostIds: [web.host.id] });
  const b = await w.open({ title: "B", severity: "medium" });
  await w.api(w.a.ops, "POST", `/api/incidents/${b.id}`, { action: "acknowledge" });
  await w.api(w.a.ops, "POST", `/api/incidents/${b.id}`, {
    action: "assign",
    assigneeId: w.a.admin.userId,
  });
  const list = async (q = "") => {
    const res = await w.api(w.a.viewer, "GET", `/api/incidents${q}`);
    equal(res.status, 200, JSON.stringify(res.body));
    return res.body as {
      incidents: Row[];
      counts: Record<string, number>;
      nextCursor: string | null;
    };
  };
  deepEqual((await list()).incidents.map((i) => i.id), [b.id, a.id]);
  deepEqual((await list("?state=open")).incidents.map((i) => i.id), [a.id]);
  deepEqual((await list("?severity=medium")).incidents.map((i) => i.id), [b.id]);
  deepEqual((await list(`?host=${web.host.id}`)).incidents.map((i) => i.id), [a.id]);
  deepEqual((await list(`?assignee=${w.a.admin.userId}`)).incidents.map((i) => i.id), [b.id]);
  deepEqual((await list("?overdue=1")).incidents, []);
  w.services.clock.advance(6 * 60_000);
  const overdue = await list("?overdue=1");
  deepEqual(overdue.incidents.map((i) => [i.id, i.overdue]), [[a.id, true]]);
  deepEqual(overdue.counts, { open: 1, acknowledged: 1, resolved: 0, closed: 0, overdue: 1 });
  const page = await list("?limit=1");
  equal(page.nextCursor, b.id);
  deepEqual((await list(`?limit=1&after=${page.nextCursor}`)).incidents.map((i) => i.id), [a.id]);
  for (
    const [q, field] of [["?state=gone", "state"], ["?limit=0", "limit"], [
      "?overdue=maybe",
      "overdue",
    ]]
  ) {
    const res = await w.api(w.a.viewer, "GET", `/api/incidents${q}`);
    equal(res.status, 400, q);
    equal(res.body.error?.details?.field, field);
  }
});

Deno.test("[incidents api] org isolation: org B neither sees nor changes org A's incidents or policy", async () => {
  await using w = await incidentWorld();
  const incident = await w.open();
  await w.api(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId] }],
  });
  const b = w.ownerB;
  equal((await w.api(b, "GET", `/api/incidents/${incident.id}`)).status, 404);
  equal(
    (await w.api(b, "POST", `/api/incidents/${incident.id}`, { action: "acknowledge" })).status,
    404,
  );
  equal(
    (await w.api(b, "POST", `/api/incidents/${incident.id}`, { action: "note", text: "hi" }))
      .status,
    404,
  );
  equal((await w.api(b, "GET", `/api/incidents/${incident.id}/postmortem`)).status, 404);
  equal(
    (await w.api(b, "PUT", `/api/incidents/${incident.id}/postmortem`, { summary: "x" })).status,
    404,
  );
  equal(
    (await w.api(b, "POST", "/api/ops/incident-workflow", {
      incidentId: incident.id,
      workflowId: "critical-triage",
      stepId: "own",
      action: "done",
    })).status,
    404,
  );
  equal(
    (await w.api(b, "POST", `/api/incidents/${incident.id}/postmortem`, { action: "publish" }))
      .status,
    404,
  );
  equal(
    (await w.api(b, "GET", `/api/ops/incident-workflow?incidentId=${incident.id}`)).status,
    404,
    "B cannot read A's workflow step results",
  );
  const listed = await w.api(b, "GET", "/api/incidents");
  deepEqual((listed.body as { incidents: Row[] }).incidents, []);
  const policy = await w.api(b, "GET", "/api/escalation-policy");
  deepEqual(
    (policy.body.policy as { levels: unknown[] }).levels,
    [],
    "B has its own (default) policy",
  );
  const steal = await w.api(b, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId] }],
  });
  equal(steal.status, 400, "A's members are not B's");
  equal(steal.body.error?.details?.field, "levels.0.userIds.0");
  equal((await w.incident(incident.id)).state, "open", "nothing changed");
});

Deno.test("[incidents api] escalation policy: admins edit, 400 naming the field", async () => {
  await using w = await incidentWorld();
  const get = await w.api(w.a.ops, "GET", "/api/escalation-policy");
  equal(get.status, 200);
  const defaults = get.body.policy as Record<string, unknown>;
  deepEqual(defaults.ackMinutes, { critical: 5, high: 15, medium: 30 });
  deepEqual(defaults.repeatMinutes, { critical: 10, high: 20, medium: 45 });
  equal((await w.api(w.a.viewer, "GET", "/api/escalation-policy")).status, 403);
  equal((await w.api(w.a.ops, "PUT", "/api/escalation-policy", { levels: [] })).status, 403);
  for (
    const [body, field] of [
      [{ levels: [], ackMinutes: { critical: 0 } }, "ackMinutes.critical"],
      [{ levels: [{ userIds: [] }] }, "levels.0"],
      [{ levels: [{ endpointIds: ["ep_nope"] }] }, "levels.0.endpointIds.0"],
      [{ levels: [], repeatCount: -1 }, "repeatCount"],
      [{ levels: "all" }, "levels"],
    ] as const
  ) {
    const res = await w.api(w.a.admin, "PUT", "/api/escalation-policy", body);
    equal(res.status, 400, JSON.stringify(body));
    equal(res.body.error?.details?.field, field, JSON.stringify(res.body));
  }
  const saved = await w.api(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId] }, { userIds: [w.a.owner.userId] }],
    ackMinutes: { critical: 3 },
    repeatCount: 5,
  });
  equal(saved.status, 200, JSON.stringify(saved.body));
  const policy = saved.body.policy as Record<string, unknown>;
  deepEqual(policy.ackMinutes, { critical: 3, high: 15, medium: 30 });
  equal(policy.repeatCount, 5);
  equal((policy.levels as unknown[]).length, 2);
  const audit = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "incident.policy.update",
    limit: 5,
  });
  equal(audit.entries.length, 1);
});
