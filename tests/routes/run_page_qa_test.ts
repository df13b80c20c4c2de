/**
 * QA of the remediation run page: while a run is queued or dispatched and the host's runner is
 * not polling for jobs, the page says it is waiting for the runner (with its last poll, or
 * never) instead of only "dispatched"; dispatch attempts are counted in proper English.
 */
import { equal, match, ok } from "node:assert/strict";
import { remediationWorld } from "../support/remediation_world.ts";
import { pageSession } from "../support/page_session.ts";
import { textOf } from "../support/pages.ts";
import { dispatchRun } from "@/lib/remediation/lifecycle.ts";
import { moveRun } from "@/lib/remediation/runs.ts";
import { JOB_CHANNEL_CONNECTED_MS, noteJobPoll } from "@/lib/hosts/job_channel_state.ts";

const LOCKDOWN = "lockdown-access-surface";

/** The "Queue expiry" fact, where the dispatch attempts are counted. */
const expiryOf = (doc: Document) => textOf(doc.querySelectorAll(".run-request dd")[1] ?? null);

Deno.test("[pages] run page QA: waiting for the host runner, and attempt plurals", async () => {
  await using w = await remediationWorld();
  const ops = pageSession(w, w.a.ops);
  const { status, body } = await w.dryRun(w.a.ops, LOCKDOWN);
  equal(status, 202, JSON.stringify(body));
  const runId = body.run!.id;
  const path = `/remediation/${runId}`;
  const waitingOf = (doc: Document) => doc.querySelector("[data-runner-waiting]");

  // Dispatched, the runner never polled: say so next to the state.
  equal((await dispatchRun(w.services, runId))?.state, "dispatched");
  const never = await ops.get(path);
  equal(never.status, 200);
  match(expiryOf(never.doc), /· 1 dispatch attempt$/);
  ok(!/attempt\(s\)|1 dispatch attempts/.test(never.html), "no attempt(s)");
  equal(
    textOf(waitingOf(never.doc)),
    "waiting for the host runner to poll (last poll: never)",
  );

  // The runner polls: the channel is connected, nothing to say.
  const host = { id: w.web.host.id, orgId: w.orgA.id };
  await noteJobPoll(w.services.ledger, host, w.services.clock.now());
  equal(waitingOf((await ops.get(path)).doc), null);

  // It stops polling: waiting again, with the time of its last poll.
  const polledAt = w.services.clock.now().toISOString();
  w.services.clock.advance(JOB_CHANNEL_CONNECTED_MS + 1_000);
  const stale = await ops.get(path);
  const line = waitingOf(stale.doc);
  match(textOf(line), /^waiting for the host runner to poll \(last poll: .+\)$/);
  ok(line?.querySelector(`time[datetime="${polledAt}"]`), "the last poll's time");

  // A second dispatch (after a failed one went back to the queue): "2 dispatch attempts".
  const now = w.services.clock.now();
  ok(await moveRun(w.services.ledger, runId, ["dispatched"], "queued", {}, now));
  const queued = await ops.get(path);
  ok(waitingOf(queued.doc), "a queued run waits for the runner too");
  equal((await dispatchRun(w.services, runId))?.state, "dispatched");
  const twice = await ops.get(path);
  match(expiryOf(twice.doc), /· 2 dispatch attempts$/);
  ok(!/attempt\(s\)/.test(twice.html));
});

Deno.test("[pages] run page QA: a finished run says nothing about the runner", async () => {
  await using w = await remediationWorld();
  const run = await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const page = await pageSession(w, w.a.ops).get(`/remediation/${run.id}`);
  equal(page.status, 200);
  equal(page.doc.querySelector("[data-runner-waiting]"), null);
  match(expiryOf(page.doc), /· 1 dispatch attempt$/);
});
