/**
 * Second QA pass of the remediation pages: the queue expiry only while a run can still expire,
 * the breach named by its title, actions named by their titles in the queue, an armed run's
 * rollback time, the console's reversibility of an action whose plan decides it, and the queue's
 * Approve showing (and asking about) what it approves.
 */
import { equal, match, ok } from "node:assert/strict";
import { remediationWorld } from "../support/remediation_world.ts";
import { getPage, postForm, textOf } from "../support/pages.ts";
import { reportRun } from "../support/runner_report.ts";
import { getRun } from "@/lib/remediation/runs.ts";
import { catalogAction } from "@/lib/remediation/catalog/mod.ts";
import { consoleUrl } from "@/lib/ui/remediation_params.ts";

const LOCKDOWN = "lockdown-access-surface";
const QUARANTINE = "quarantine-unexpected-listener";
type World = Awaited<ReturnType<typeof remediationWorld>>;

/** The terms of the run page's request facts. */
const requestTerms = (doc: Document) =>
  [...doc.querySelectorAll(".run-request dt")].map((dt) => textOf(dt));

/** An execute of lockdown awaiting approval (requested by ops after a succeeded dry-run). */
async function awaitingExecute(w: World): Promise<string> {
  const dry = await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const exec = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    mode: "execute",
    planHash: dry.planHash,
    confirm: `EXECUTE ${LOCKDOWN} ${dry.planHash.slice(0, 8)}`,
  });
  equal(exec.status, 202, JSON.stringify(exec.body));
  equal(exec.body.run!.state, "awaiting-approval");
  return exec.body.run!.id;
}

Deno.test("[pages] run page QA 2: queue expiry only while the run can expire", async () => {
  await using w = await remediationWorld();
  const { status, body } = await w.dryRun(w.a.ops, LOCKDOWN);
  equal(status, 202, JSON.stringify(body));
  const runId = body.run!.id;
  const queued = await getPage(w.app, `/remediation/${runId}`, w.headers(w.a.ops));
  ok(requestTerms(queued.doc).includes("Queue expiry"), "a queued run can still expire");

  await w.runOnHost(runId);
  const done = await getPage(w.app, `/remediation/${runId}`, w.headers(w.a.ops));
  equal(done.status, 200);
  ok(!requestTerms(done.doc).includes("Queue expiry"), requestTerms(done.doc).join(", "));
  // The dispatch attempts are still counted.
  match(textOf(done.doc.querySelector(".run-request")), /1 dispatch attempt/);

  const waiting = await awaitingExecute(w);
  const awaiting = await getPage(w.app, `/remediation/${waiting}`, w.headers(w.a.ops));
  ok(requestTerms(awaiting.doc).includes("Queue expiry"), "awaiting approval can expire");
  const canceled = await postForm(w.app, `/remediation/${waiting}`, { intent: "reject" }, {
    cookie: w.a.admin.cookie,
  });
  equal(canceled.status, 303);
  const after = await getPage(w.app, `/remediation/${waiting}`, w.headers(w.a.ops));
  ok(!requestTerms(after.doc).includes("Queue expiry"), "a canceled run does not expire");
});

Deno.test("[pages] run page QA 2: the run names its breach by title", async () => {
  await using w = await remediationWorld();
  const breach = await w.services.ledger.db.selectFrom("breaches").select(["id", "title"])
    .where("host_id", "=", w.web.host.id).where("code", "=", "unexpected_public_port")
    .executeTakeFirst();
  ok(breach, "the drift fixture opens an unexpected-port breach");
  const { status, body } = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    breachId: breach.id,
    mode: "dry-run",
  });
  equal(status, 202, JSON.stringify(body));
  const page = await getPage(w.app, `/remediation/${body.run!.id}`, w.headers(w.a.viewer));
  const link = page.doc.querySelector(`header a[href="/breaches/${breach.id}"]`);
  ok(link, "links the breach");
  equal(textOf(link), breach.title);
  ok(!textOf(page.doc.querySelector("header")).includes(breach.id), "no raw breach id");
});

Deno.test("[pages] run page QA 2: the queue names actions by title, the id beside it", async () => {
  await using w = await remediationWorld();
  const { body } = await w.dryRun(w.a.ops, LOCKDOWN);
  const page = await getPage(w.app, "/remediation", w.headers(w.a.ops));
  const row = page.doc.querySelector(`#runs-active tr[data-run="${body.run!.id}"]`);
  ok(row);
  const head = row!.querySelector("th");
  equal(textOf(head!.querySelector("a")), catalogAction(LOCKDOWN)!.title);
  equal(textOf(head!.querySelector("[data-action-id]")), LOCKDOWN);
  match(
    row!.querySelector('input[value="cancel"]')?.closest("form")?.querySelector("button")
      ?.getAttribute("aria-label") ?? "",
    new RegExp(`^Cancel ${catalogAction(LOCKDOWN)!.title} on web-1$`),
  );
});

Deno.test("[pages] run page QA 2: an armed run says when it rolls back", async () => {
  await using w = await remediationWorld();
  const runId = await awaitingExecute(w);
  const approved = await postForm(w.app, `/remediation/${runId}`, { intent: "approve" }, {
    cookie: w.a.admin.cookie,
  });
  equal(approved.status, 303);
  await reportRun(w.services, runId, { stdout: "Rule added" });
  const run = (await getRun(w.services.ledger, runId))!;
  equal(run.confirmState, "armed");
  ok(run.confirmDeadline, "an armed run has a confirm deadline");
  const page = await getPage(w.app, `/remediation/${runId}`, w.headers(w.a.viewer));
  const hhmm = run.confirmDeadline!.toISOString().slice(11, 16);
  const line = page.doc.querySelector("[data-confirm-deadline]");
  ok(line, "the deadline is shown");
  equal(
    textOf(line),
    `rolls back at ${hhmm} UTC unless a healthy snapshot confirms it`,
  );
  ok(line!.querySelector(`time[datetime="${run.confirmDeadline!.toISOString()}"]`));
});

Deno.test("[pages] run page QA 2: the console's reversibility follows the plan", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const card = (doc: Document) => textOf(doc.querySelector("[data-reversibility]"));
  const base = `/hosts/${host}/remediate?action=${QUARANTINE}`;
  // A preview of a kill plan: this plan cannot be undone, and the card says so (it said
  // "reversible", the action's best case).
  const killed = await getPage(
    w.app,
    `${base}&port=tcp%3A6379&method=kill&preview=1`,
    w.headers(w.a.ops),
  );
  equal(killed.status, 200);
  ok(killed.doc.querySelector("#plan"), "previewed");
  equal(card(killed.doc), "this plan cannot be undone");
  // A preview of the unit path: that plan is reversible.
  const unit = await getPage(w.app, consoleUrl(host, { action: QUARANTINE }), w.headers(w.a.ops));
  ok(unit.doc.querySelector("#plan"), "previewed");
  equal(card(unit.doc), "reversible (this plan)");
  // No plan (the port is not an unexpected one): it depends on the method.
  const none = await getPage(w.app, `${base}&port=tcp%3A9999&preview=1`, w.headers(w.a.ops));
  equal(none.doc.querySelector("#plan"), null, "no preview");
  equal(card(none.doc), "reversible depending on the method");
  // An always-reversible action still says plainly that it is.
  const lockdown = await getPage(w.app, consoleUrl(host, { action: LOCKDOWN }), w.headers(w.a.ops));
  match(card(lockdown.doc), /reversible/);
  ok(!/depending/.test(card(lockdown.doc)));
});

Deno.test("[pages] run page QA 2: Approve in the queue shows the target and asks first", async () => {
  await using w = await remediationWorld();
  const runId = await awaitingExecute(w);
  const page = await getPage(w.app, "/remediation", w.headers(w.a.admin));
  const row = page.doc.querySelector(`#runs-awaiting tr[data-run="${runId}"]`);
  ok(row);
  const facts = row!.querySelector("[data-approve-facts]");
  ok(facts, "the facts beside Approve");
  match(textOf(facts), /web-1/);
  match(textOf(facts), /guarded|safe|risky|observe/);
  match(textOf(facts), /\breversible\b/);
  const button = row!.querySelector('input[value="approve"]')?.closest("form")?.querySelector(
    "button",
  );
  equal(
    button?.getAttribute("data-confirm"),
    `Approve ${catalogAction(LOCKDOWN)!.title} on web-1? Reversible: rolled back unless a ` +
      "healthy snapshot confirms it.",
  );
});
