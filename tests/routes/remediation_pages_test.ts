/**
 * The remediation console pages: the host page's remediation section, the console (plan preview
 * for viewers, dry-run and execute by form for ops, refusals next to the field or named at the
 * top), the run page (timeline, output, two-person approval) and the queue (pending first,
 * replay, drain, kill switch for admins), with every role denial.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { remediationWorld } from "../support/remediation_world.ts";
import { getPage, parseHtml, postForm, textOf } from "../support/pages.ts";
import { reportRun } from "../support/runner_report.ts";
import { getRun, listRuns } from "@/lib/remediation/runs.ts";
import { getOrgPolicy } from "@/lib/remediation/policy_store.ts";
import { consoleUrl } from "@/lib/ui/remediation_params.ts";

const LOCKDOWN = "lockdown-access-surface";
type World = Awaited<ReturnType<typeof remediationWorld>>;

const runsOf = (w: World) => listRuns(w.services.ledger, w.orgA.id, { limit: 200 });

const lockdownFields = (extra: Record<string, string> = {}) => {
  const body = new URLSearchParams({ action: LOCKDOWN, ...extra });
  body.append("ports", "tcp:6379");
  body.append("ports", "tcp:8080");
  return body;
};

/** POSTs a url-encoded body (repeated names allowed) as a same-origin browser form. */
async function post(
  w: World,
  path: string,
  who: World["a"]["ops"],
  body: URLSearchParams,
  ip?: string,
) {
  const res = await w.app.request(
    path,
    {
      method: "POST",
      headers: w.headers(who, { "content-type": "application/x-www-form-urlencoded" }),
      body: body.toString(),
    },
    ip ? { remoteAddr: { hostname: ip, port: 40000, transport: "tcp" } } : undefined,
  );
  const html = res.status === 303 ? "" : await res.text();
  return { status: res.status, location: res.headers.get("location") ?? "", doc: parseHtml(html) };
}

async function planOf(w: World, actionId = LOCKDOWN, params: Record<string, unknown> = {}) {
  const { body } = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId,
    params,
    mode: "plan",
  });
  return body.plan!;
}

Deno.test("[pages] remediation: the host page ranks responses and lists the host's runs", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const before = await getPage(w.app, `/hosts/${host}`, w.headers(w.a.viewer));
  equal(before.status, 200);
  const section = before.doc.querySelector("section#remediation");
  ok(section, "a Remediation section");
  const options = [...section!.querySelectorAll("ol.options li[data-action]")]
    .map((li) => li.getAttribute("data-action"));
  // self_integrity_changed means possible compromise: evidence first.
  equal(options[0], "collect-forensics-first");
  ok(options.includes(LOCKDOWN), options.join(","));
  ok(
    section!.querySelector(
      `li[data-action="${LOCKDOWN}"] a[href="/hosts/${host}/remediate?action=${LOCKDOWN}"]`,
    ),
    "each option links to the console for that action",
  );
  match(textOf(section!.querySelector("#host-runs, .empty")), /No remediation has run/);

  const dry = await w.remediate(w.a.ops, { hostId: host, actionId: LOCKDOWN, mode: "dry-run" });
  const after = await getPage(w.app, `/hosts/${host}`, w.headers(w.a.viewer));
  const row = after.doc.querySelector(`#host-runs tr[data-run="${dry.body.run!.id}"]`);
  ok(row, "the run is listed");
  equal(row!.getAttribute("data-state"), "queued");
  ok(row!.querySelector(`a[href="/remediation/${dry.body.run!.id}"]`));
  equal(row!.querySelector("[data-run-state]")?.getAttribute("data-run-state"), "queued");
});

Deno.test("[pages] remediation: viewers preview the full plan but cannot dry-run or execute", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const plan = await planOf(w);
  const { status, doc } = await getPage(
    w.app,
    consoleUrl(host, { action: LOCKDOWN }),
    w.headers(w.a.viewer),
  );
  equal(status, 200);
  equal(doc.querySelector("[data-plan-hash]")?.getAttribute("data-plan-hash"), plan.planHash);
  equal(textOf(doc.querySelector("code.plan-hash")), plan.planHash);
  // Every execute step's argv is a list of its elements, never one joined string.
  const steps = [...doc.querySelectorAll('ol[data-steps="execute"] > li')];
  equal(steps.length, plan.steps.length);
  steps.forEach((li, i) => {
    deepEqual(
      [...li.querySelectorAll("ol.argv li")].map((e) => e.textContent),
      plan.steps[i].argv,
    );
  });
  ok(doc.querySelectorAll('ol[data-steps="dry-run"] ol.argv').length > 0, "dry-run steps");
  ok(doc.querySelectorAll('ol[data-steps="rollback"] ol.argv').length > 0, "rollback steps");
  match(textOf(doc.querySelector("#plan")), /guarded/);
  match(textOf(doc.querySelector("#plan")), /rolled back unless a healthy snapshot confirms/);
  ok(doc.querySelector("#plan .guard-clear, #plan .guard-list"), "guard refusals (or none)");
  // The port choices are the snapshot's unexpected ports, all checked by default; every input
  // has a label.
  const boxes = [...doc.querySelectorAll('input[name="ports"]')] as HTMLInputElement[];
  deepEqual(boxes.map((b) => b.getAttribute("value")), ["tcp:6379", "tcp:8080"]);
  ok(boxes.every((b) => b.hasAttribute("checked")));
  for (const input of doc.querySelectorAll("main input:not([type=hidden]), main select")) {
    ok(doc.querySelector(`label[for="${input.id}"]`), `label for ${input.id}`);
  }
  equal(doc.querySelector("#dry-run-form"), null);
  equal(doc.querySelector("#execute-form"), null);
  match(textOf(doc.querySelector("#dry-run")), /need the ops role; you are viewer/);

  const denied = await post(
    w,
    `/hosts/${host}/remediate`,
    w.a.viewer,
    lockdownFields({ intent: "dry-run" }),
  );
  equal(denied.status, 403);
  deepEqual(await runsOf(w), []);

  // Another organization's host is a 404.
  equal((await getPage(w.app, `/hosts/${host}/remediate`, w.headers(w.ownerB))).status, 404);
});

Deno.test("[pages] remediation: dry-run, its output, the typed phrase, approval by another person", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const plan = await planOf(w);
  const phrase = `EXECUTE ${LOCKDOWN} ${plan.planHash.slice(0, 8)}`;
  const path = `/hosts/${host}/remediate`;

  const start = await getPage(w.app, consoleUrl(host, { action: LOCKDOWN }), w.headers(w.a.ops));
  ok(start.doc.querySelector("#dry-run-form"), "ops get the dry-run form");
  equal(start.doc.querySelector("#execute-form"), null, "no execute before a dry-run");

  const queued = await post(w, path, w.a.ops, lockdownFields({ intent: "dry-run" }));
  equal(queued.status, 303);
  match(queued.location, /done=dry-run/);
  const [dry] = await runsOf(w);
  equal(dry.mode, "dry-run");
  equal(dry.planHash, plan.planHash);

  const pending = await getPage(w.app, queued.location, w.headers(w.a.ops));
  match(textOf(pending.doc.querySelector(".notice-ok")), /Dry-run queued/);
  equal(
    pending.doc.querySelector(".dry-run-pending [data-live-state]")?.getAttribute(
      "data-live-state",
    ),
    "queued",
  );

  await reportRun(w.services, dry.id, { stdout: "Rules updated (dry run) for {step}" });
  const done = await getPage(w.app, consoleUrl(host, { action: LOCKDOWN }), w.headers(w.a.ops));
  const result = done.doc.querySelector(`.dry-run-result[data-run="${dry.id}"]`);
  ok(result, "the succeeded dry-run is shown");
  match(textOf(result!.querySelector("pre.output")), /Rules updated \(dry run\) for/);
  ok(result!.querySelector('li[data-exit="0"]'), "exit codes");
  equal(textOf(done.doc.querySelector("#execute-phrase")), phrase);

  // A wrong phrase: the error is next to the confirmation field; nothing is queued.
  const wrong = await post(
    w,
    path,
    w.a.ops,
    lockdownFields({ intent: "execute", planHash: plan.planHash, confirm: "EXECUTE it" }),
  );
  equal(wrong.status, 400);
  ok(wrong.doc.querySelector(".field-invalid #f-confirm"));
  match(textOf(wrong.doc.querySelector("#f-confirm-error")), new RegExp(phrase));
  equal(wrong.doc.querySelector("#f-confirm")?.getAttribute("value"), "EXECUTE it", "kept");
  equal((await runsOf(w)).length, 1);

  // A stale hash is named by its rule at the top.
  const stale = await post(
    w,
    path,
    w.a.ops,
    lockdownFields({ intent: "execute", planHash: "0".repeat(64), confirm: phrase }),
  );
  equal(stale.status, 409);
  equal(
    stale.doc.querySelector(".notice-error [data-rule]")?.getAttribute("data-rule"),
    "plan_changed",
  );

  const executed = await post(
    w,
    path,
    w.a.ops,
    lockdownFields({ intent: "execute", planHash: plan.planHash, confirm: phrase }),
  );
  equal(executed.status, 303);
  const runId = /^\/remediation\/(run_[0-9A-Z]+)\?done=requested$/.exec(executed.location)?.[1];
  ok(runId, executed.location);
  equal((await getRun(w.services.ledger, runId))!.state, "awaiting-approval");

  // The requester is told why they cannot approve; the server refuses it too.
  const mine = await getPage(w.app, `/remediation/${runId}`, w.headers(w.a.ops));
  equal(mine.status, 200);
  ok(mine.doc.querySelector("#approval-blocked"));
  match(textOf(mine.doc.querySelector("[data-approval]")), /awaiting a second person/);
  equal(mine.doc.querySelector('form[data-intent="approve"]'), null);
  ok(mine.doc.querySelector('form[data-intent="reject"]'));
  match(textOf(mine.doc.querySelector(".run-request")), /ops@acme\.test/);
  const self = await postForm(
    w.app,
    `/remediation/${runId}`,
    { intent: "approve" },
    { cookie: w.a.ops.cookie },
  );
  equal(self.status, 403);
  match(textOf(parseHtml(await self.text()).querySelector(".notice-error")), /different person/);

  // A viewer reads the run but gets no decision forms, and cannot post one.
  const viewer = await getPage(w.app, `/remediation/${runId}`, w.headers(w.a.viewer));
  equal(viewer.status, 200);
  equal(viewer.doc.querySelectorAll("form.run-decision").length, 0);
  equal(
    (await postForm(w.app, `/remediation/${runId}`, { intent: "approve" }, {
      cookie: w.a.viewer.cookie,
    })).status,
    403,
  );
  equal((await getPage(w.app, `/remediation/${runId}`, w.headers(w.ownerB))).status, 404);
  // Another organization's owner cannot decide the run either: 404, and it still waits.
  equal(
    (await postForm(w.app, `/remediation/${runId}`, { intent: "approve" }, {
      cookie: w.ownerB.cookie,
    })).status,
    404,
  );
  equal((await getRun(w.services.ledger, runId))?.state, "awaiting-approval");
  // A reason over 500 characters is refused next to the field, and decides nothing.
  const tooLong = await postForm(w.app, `/remediation/${runId}`, {
    intent: "approve",
    reason: "x".repeat(501),
  }, { cookie: w.a.admin.cookie });
  equal(tooLong.status, 400);
  ok(parseHtml(await tooLong.text()).querySelector("#approve-reason-error"));
  equal((await getRun(w.services.ledger, runId))?.state, "awaiting-approval");

  const approved = await postForm(
    w.app,
    `/remediation/${runId}`,
    { intent: "approve", reason: "change ticket 42" },
    { cookie: w.a.admin.cookie },
  );
  equal(approved.status, 303);
  equal(approved.headers.get("location"), `/remediation/${runId}?done=approved`);
  equal((await getRun(w.services.ledger, runId))!.state, "queued");

  await reportRun(w.services, runId, { stdout: "Rule added" });
  const finished = await getPage(w.app, `/remediation/${runId}`, w.headers(w.a.viewer));
  equal(
    finished.doc.querySelector("[data-live-state]")?.getAttribute("data-live-state"),
    "succeeded",
  );
  match(textOf(finished.doc.querySelector("[data-approval]")), /approved by admin@acme\.test/);
  match(textOf(finished.doc.querySelector("[data-approval]")), /change ticket 42/);
  ok(finished.doc.querySelector('[data-job-mode="execute"] li[data-exit="0"]'));
  match(textOf(finished.doc.querySelector("[data-live-state]")), /armed/, "commit-confirm");
});

Deno.test("[pages] remediation: a bad param shows the field error and queues nothing", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const path = `/hosts/${host}/remediate`;
  const bad = await post(
    w,
    path,
    w.a.ops,
    new URLSearchParams({ intent: "dry-run", action: "block-ip", ip: "not an ip" }),
  );
  equal(bad.status, 400);
  ok(bad.doc.querySelector(".field-invalid #p-ip"));
  match(textOf(bad.doc.querySelector("#p-ip-error")), /IPv4 or IPv6/);
  equal(bad.doc.querySelector("#p-ip")?.getAttribute("value"), "not an ip");
  deepEqual(await runsOf(w), []);

  // The same on preview (GET), and a port that is not unexpected on lockdown.
  const preview = await getPage(
    w.app,
    `${path}?action=block-ip&ip=10.0.0.0%2F8&preview=1`,
    w.headers(w.a.viewer),
  );
  equal(preview.status, 400);
  ok(preview.doc.querySelector(".field-invalid #p-ip"));
  equal(preview.doc.querySelector("#plan"), null);
  const port = await post(
    w,
    path,
    w.a.ops,
    new URLSearchParams({ intent: "dry-run", action: LOCKDOWN, ports: "tcp:22" }),
  );
  equal(port.status, 422);
  match(textOf(port.doc.querySelector("fieldset.field-invalid #p-ports-error")), /tcp:22/);
  const none = await post(
    w,
    path,
    w.a.ops,
    new URLSearchParams({ intent: "dry-run", action: LOCKDOWN }),
  );
  equal(none.status, 400, "unchecking every port is not 'all ports'");
  ok(none.doc.querySelector("#p-ports-error"));
  const unknown = await getPage(w.app, `${path}?action=rm-rf`, w.headers(w.a.viewer));
  equal(unknown.status, 404);
  ok(unknown.doc.querySelector("#f-action-error"));
  deepEqual(await runsOf(w), []);
});

Deno.test("[pages] remediation: the self-lockout override field appears and works", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const ip = "203.0.113.7";
  const path = `/hosts/${host}/remediate`;
  const form = (extra: Record<string, string>) =>
    new URLSearchParams({ action: "block-ip", ip, ...extra });
  const dry = await post(w, path, w.a.ops, form({ intent: "dry-run" }), ip);
  equal(dry.status, 303);
  await reportRun(w.services, (await runsOf(w))[0].id);
  const plan = await planOf(w, "block-ip", { ip });
  const phrase = `EXECUTE block-ip ${plan.planHash.slice(0, 8)}`;
  const override = `OVERRIDE SELF-LOCKOUT ${host} ${plan.planHash.slice(0, 8)}`;

  const locked = await post(
    w,
    path,
    w.a.ops,
    form({ intent: "execute", planHash: plan.planHash, confirm: phrase }),
    ip,
  );
  equal(locked.status, 409);
  equal(
    locked.doc.querySelector(".notice-error [data-rule]")?.getAttribute("data-rule"),
    "self_lockout",
  );
  ok(locked.doc.querySelector(".field-invalid #f-override"));
  equal(textOf(locked.doc.querySelector("#override-phrase")), override);
  ok(locked.doc.querySelector('#plan li[data-rule="self_lockout"]'), "the guard list names it");
  equal((await runsOf(w)).length, 1);

  const through = await post(
    w,
    path,
    w.a.ops,
    form({ intent: "execute", planHash: plan.planHash, confirm: phrase, override }),
    ip,
  );
  equal(through.status, 303, textOf(through.doc.querySelector("main")));
});

Deno.test("[pages] remediation queue: pending first, replay, drain; kill switch for admins", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  equal((await getPage(w.app, "/remediation", w.headers(w.a.viewer))).status, 403);
  const viewerNav = await getPage(w.app, `/hosts/${host}`, w.headers(w.a.viewer));
  equal(viewerNav.doc.querySelector('nav a[href="/remediation"]'), null);

  const a = await w.remediate(w.a.ops, {
    hostId: host,
    actionId: "collect-forensics-first",
    mode: "dry-run",
  });
  const b = await w.remediate(w.a.ops, {
    hostId: host,
    actionId: "verify-system-drift",
    mode: "dry-run",
  });
  const page = await getPage(w.app, "/remediation", w.headers(w.a.ops));
  equal(page.status, 200);
  ok(page.doc.querySelector('nav a[href="/remediation"][aria-current="page"]'));
  deepEqual(
    [...page.doc.querySelectorAll("#runs-active tr[data-run]")].map((r) =>
      r.getAttribute("data-run")
    ),
    [a.body.run!.id, b.body.run!.id],
    "oldest first",
  );
  match(textOf(page.doc.querySelector("#policy")), /Not frozen/);
  equal(page.doc.querySelector("#freeze-form"), null, "ops do not freeze");

  const drained = await postForm(w.app, "/remediation", { intent: "drain" }, {
    cookie: w.a.ops.cookie,
  });
  equal(drained.status, 303);
  equal((await getRun(w.services.ledger, a.body.run!.id))!.state, "dispatched");

  // Dead-letter both by hand (dispatch kept failing): single replay, then replay all.
  await w.services.ledger.db.updateTable("remediation_runs")
    .set({ state: "dead-letter", dead_letter_reason: "dispatch failed 3 times: test" })
    .execute();
  const dead = await getPage(w.app, "/remediation", w.headers(w.a.ops));
  equal(dead.doc.querySelectorAll("#runs-dead tr[data-run]").length, 2);
  match(textOf(dead.doc.querySelector("#runs-dead")), /dispatch failed 3 time/);
  ok(dead.doc.querySelector("#replay-all-form"));
  const one = await postForm(w.app, "/remediation", { intent: "replay", runId: a.body.run!.id }, {
    cookie: w.a.ops.cookie,
  });
  equal(one.headers.get("location"), "/remediation?done=replayed");
  equal((await getRun(w.services.ledger, a.body.run!.id))!.state, "queued");
  equal((await getRun(w.services.ledger, b.body.run!.id))!.state, "dead-letter");
  await postForm(w.app, "/remediation", { intent: "replay_all" }, { cookie: w.a.ops.cookie });
  equal((await getRun(w.services.ledger, b.body.run!.id))!.state, "queued");

  // Awaiting approval comes first and shows who may approve.
  const dry = await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const exec = await w.remediate(w.a.ops, {
    hostId: host,
    actionId: LOCKDOWN,
    mode: "execute",
    planHash: dry.planHash,
    confirm: `EXECUTE ${LOCKDOWN} ${dry.planHash.slice(0, 8)}`,
  });
  equal(exec.status, 202);
  const mine = await getPage(w.app, "/remediation", w.headers(w.a.ops));
  const row = mine.doc.querySelector(`#runs-awaiting tr[data-run="${exec.body.run!.id}"]`);
  ok(row);
  match(textOf(row), /two-person rule/);
  equal(row!.querySelector('input[name="intent"][value="approve"]'), null);
  const theirs = await getPage(w.app, "/remediation", w.headers(w.a.admin));
  ok(
    theirs.doc.querySelector(
      `#runs-awaiting tr[data-run="${exec.body.run!.id}"] input[name="intent"][value="approve"]`,
    ),
  );
  match(textOf(mine.doc.querySelector("#runs-recent")), /verify-system-drift|lockdown/);

  // Kill switch: ops are refused by the route policy; admins need a reason.
  equal(
    (await postForm(w.app, "/remediation/policy", { intent: "freeze", reason: "x" }, {
      cookie: w.a.ops.cookie,
    })).status,
    403,
  );
  ok(theirs.doc.querySelector("#freeze-form"));
  const noReason = await postForm(w.app, "/remediation/policy", { intent: "freeze", reason: " " }, {
    cookie: w.a.admin.cookie,
  });
  equal(noReason.status, 400);
  ok(parseHtml(await noReason.text()).querySelector(".field-invalid #freeze-reason"));
  const frozen = await postForm(
    w.app,
    "/remediation/policy",
    { intent: "freeze", reason: "incident 12" },
    { cookie: w.a.admin.cookie },
  );
  equal(frozen.headers.get("location"), "/remediation?done=frozen");
  const policy = await getOrgPolicy(w.services.ledger, w.orgA.id);
  equal(policy.frozen, true);
  equal(policy.frozenReason, "incident 12");
  const frozenPage = await getPage(w.app, "/remediation", w.headers(w.a.ops));
  equal(frozenPage.doc.querySelector("[data-frozen]")?.getAttribute("data-frozen"), "true");
  match(textOf(frozenPage.doc.querySelector("#policy")), /incident 12/);

  // The console names the kill switch among the refusals an execute would meet.
  const console = await getPage(w.app, consoleUrl(host, { action: LOCKDOWN }), w.headers(w.a.ops));
  ok(console.doc.querySelector('#plan li[data-rule="kill_switch"]'));

  await postForm(w.app, "/remediation/policy", { intent: "unfreeze" }, {
    cookie: w.a.admin.cookie,
  });
  // An unknown profile is refused next to its field and changes nothing.
  const badProfile = await postForm(
    w.app,
    "/remediation/policy",
    { intent: "settings", profile: "reckless", approvalThreshold: "risky_manual" },
    { cookie: w.a.admin.cookie },
  );
  equal(badProfile.status, 400);
  ok(parseHtml(await badProfile.text()).querySelector("#policy-profile-error"));
  const unchanged = await getOrgPolicy(w.services.ledger, w.orgA.id);
  deepEqual([unchanged.profile, unchanged.approvalThreshold], [
    policy.profile,
    policy.approvalThreshold,
  ]);
  await postForm(
    w.app,
    "/remediation/policy",
    { intent: "settings", profile: "strict", approvalThreshold: "risky_manual" },
    { cookie: w.a.admin.cookie },
  );
  const after = await getOrgPolicy(w.services.ledger, w.orgA.id);
  deepEqual([after.frozen, after.profile, after.approvalThreshold], [
    false,
    "strict",
    "risky_manual",
  ]);
  const audits = await w.services.ledger.db.selectFrom("audit_entries").select("action")
    .where("action", "like", "remediation.%").execute();
  const actions = audits.map((r) => r.action);
  equal(actions.filter((x) => x === "remediation.policy.update").length, 3);
  ok(actions.includes("remediation.queue.drain"));
  ok(actions.includes("remediation.run.replay"));
});

Deno.test("[pages] remediation: a breach page links to the console for that breach", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const breach = await w.services.ledger.db.selectFrom("breaches").select(["id", "code"])
    .where("host_id", "=", host).where("code", "=", "unexpected_public_port").executeTakeFirst();
  ok(breach, "the drift fixture opens an unexpected-port breach");
  const page = await getPage(w.app, `/breaches/${breach.id}`, w.headers(w.a.viewer));
  const link = page.doc.querySelector(`a[href="/hosts/${host}/remediate?breach=${breach.id}"]`);
  ok(link);
  const console = await getPage(w.app, link!.getAttribute("href")!, w.headers(w.a.ops));
  equal(console.status, 200);
  match(textOf(console.doc.querySelector("h1 + p")), /unexpected_public_port/);
  // The top option for the breach is preselected and previewed; the forms carry the breach.
  ok(console.doc.querySelector("#plan"));
  equal(
    console.doc.querySelector('#dry-run-form input[name="breach"]')?.getAttribute("value"),
    breach.id,
  );
  const dry = await post(
    w,
    `/hosts/${host}/remediate`,
    w.a.ops,
    new URLSearchParams([
      ...[...console.doc.querySelectorAll("#dry-run-form input")].map((i) =>
        [i.getAttribute("name")!, i.getAttribute("value") ?? ""] as [string, string]
      ),
    ]),
  );
  equal(dry.status, 303);
  equal((await runsOf(w))[0].breachId, breach.id);
});
