/**
 * Incident workflows: action steps run for real (a remediation dry-run queued for the
 * incident's host and linked to it, a plan preview, draining the remediation queue, a
 * notification), checklist items are marked done or skipped, every result is kept and on the
 * timeline; bad input is 400 naming the field.
 */
import { equal, ok } from "node:assert/strict";
import { getRun } from "@/lib/remediation/runs.ts";
import { incidentWorld } from "../../lib/incidents/world.ts";

interface Step {
  status: string;
  result: Record<string, unknown>;
}

Deno.test("[workflows] critical triage: dry-run, plan, drain, notify, checklist", async () => {
  await using w = await incidentWorld();
  const shop = await w.host("shop-prod-1");
  await w.pushIoc(shop, "2026-11-25T09:55:00.000Z");
  const [incident] = (await w.api(w.a.viewer, "GET", "/api/incidents")).body.incidents as {
    id: string;
  }[];
  const step = async (stepId: string, action: string, who = w.a.ops) =>
    await w.api(who, "POST", "/api/ops/incident-workflow", {
      incidentId: incident.id,
      workflowId: "critical-triage",
      stepId,
      action,
    });

  equal((await step("forensics", "run", w.a.viewer)).status, 403);
  const forensics = await step("forensics", "run");
  equal(forensics.status, 200, JSON.stringify(forensics.body));
  const ran = forensics.body.step as Step;
  equal(ran.status, "succeeded", JSON.stringify(ran));
  const runId = ran.result.runId as string;
  const run = await getRun(w.services.ledger, runId);
  equal(run?.actionId, "collect-forensics-first");
  equal(run?.mode, "dry-run");
  equal(run?.hostId, shop.host.id);

  const plan = (await step("contain-plan", "run")).body.step as Step;
  ok(["succeeded", "failed"].includes(plan.status), JSON.stringify(plan));
  if (plan.status === "succeeded") ok(typeof plan.result.planHash === "string");

  const drained = (await step("drain", "run")).body.step as Step;
  equal(drained.status, "succeeded");
  equal(drained.result.dispatched, 1, "the queued dry-run was handed to the host");
  equal((await getRun(w.services.ledger, runId))?.state, "dispatched");

  const notified = (await step("notify", "run")).body.step as Step;
  equal(notified.status, "succeeded", JSON.stringify(notified));

  const manual = await step("own", "run");
  equal(manual.status, 400);
  equal(manual.body.error?.details?.field, "action");
  equal(((await step("own", "done")).body.step as Step).status, "done");
  equal(((await step("isolate", "skip")).body.step as Step).status, "skipped");

  const detail = await w.api(w.a.viewer, "GET", `/api/incidents/${incident.id}`);
  const links = detail.body.links as { kind: string; id: string }[];
  ok(links.some((l) => l.kind === "run" && l.id === runId), "the dry-run is linked");
  const workflow = (detail.body.events as { type: string }[]).filter((e) => e.type === "workflow");
  equal(workflow.length, 6);
  const states = (detail.body.workflows as { stepId: string; status: string }[])
    .map((s) => `${s.stepId}:${s.status}`).sort();
  ok(states.includes("own:done") && states.includes("isolate:skipped"), states.join());

  const catalog = await w.api(
    w.a.ops,
    "GET",
    `/api/ops/incident-workflow?incidentId=${incident.id}`,
  );
  equal(catalog.status, 200);
  equal((catalog.body.workflows as unknown[]).length, 3);
  equal((catalog.body.steps as unknown[]).length, 6);
});

Deno.test("[workflows] bad input answers 400 naming the field; an incident without host fails the step", async () => {
  await using w = await incidentWorld();
  const incident = await w.open({ severity: "high" });
  const post = (body: Record<string, unknown>) =>
    w.api(w.a.ops, "POST", "/api/ops/incident-workflow", {
      incidentId: incident.id,
      workflowId: "auth-abuse",
      stepId: "harden-plan",
      action: "run",
      ...body,
    });
  for (
    const [body, field] of [
      [{ workflowId: "chaos" }, "workflowId"],
      [{ stepId: "dance" }, "stepId"],
      [{ action: "maybe" }, "action"],
      [{ incidentId: undefined }, "incidentId"],
    ] as const
  ) {
    const res = await post(body);
    equal(res.status, 400, JSON.stringify(body));
    equal(res.body.error?.details?.field, field);
  }
  const hostless = await post({});
  equal(hostless.status, 200);
  const result = hostless.body.step as Step;
  equal(result.status, "failed");
  equal(result.result.error, "The incident has no host.");
  equal((await post({ incidentId: "inc_nope" })).status, 404);
});
