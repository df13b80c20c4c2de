/**
 * The remediation console's inputs for the optional params of the read-only actions
 * (`verify-system-drift`, `collect-forensics-first`): prefilled with the catalog's defaults,
 * carried by the preview and the dry-run form into the plan, and refused with 400 next to the
 * field the API names (`params.<name>`) when invalid.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { remediationWorld } from "../support/remediation_world.ts";
import { type PageAnswer, pageSession } from "../support/page_session.ts";
import { textOf } from "../support/pages.ts";
import { getRun, listRuns } from "@/lib/remediation/runs.ts";

const DRIFT = "verify-system-drift";
const FORENSICS = "collect-forensics-first";
type World = Awaited<ReturnType<typeof remediationWorld>>;

const consolePath = (w: World) => `/hosts/${w.web.host.id}/remediate`;
const runsOf = (w: World) => listRuns(w.services.ledger, w.orgA.id, { limit: 50 });

/** The argv of every execute step of the previewed plan. */
const argvs = (page: PageAnswer) =>
  [...page.doc.querySelectorAll('ol[data-steps="execute"] > li')].map((li) =>
    [...li.querySelectorAll("ol.argv li")].map((e) => e.textContent ?? "")
  );

/** The dry-run form's fields as the browser would post them. */
const dryRunFields = (page: PageAnswer): Record<string, string[]> => {
  const out: Record<string, string[]> = {};
  for (const input of page.doc.querySelectorAll("#dry-run-form input")) {
    (out[input.getAttribute("name")!] ??= []).push(input.getAttribute("value") ?? "");
  }
  return out;
};

/** POSTs fields (repeated names allowed) as a same-origin browser form. */
async function postFields(w: World, path: string, fields: Record<string, string[]>) {
  const body = new URLSearchParams();
  for (const [name, values] of Object.entries(fields)) {
    for (const v of values) body.append(name, v);
  }
  return await w.app.request(path, {
    method: "POST",
    headers: w.headers(w.a.ops, { "content-type": "application/x-www-form-urlencoded" }),
    body: body.toString(),
  });
}

Deno.test("[pages] remediation console: verify-system-drift's optional params reach the plan", async () => {
  await using w = await remediationWorld();
  const viewer = pageSession(w, w.a.viewer);
  const path = consolePath(w);

  // Prefilled with the catalog defaults: every package, debsums and the sshd test on.
  const start = await viewer.get(`${path}?action=${DRIFT}`);
  equal(start.status, 200);
  equal(start.doc.querySelector("#params-form #p-packages")?.getAttribute("value"), "");
  ok(start.doc.querySelector("#p-includeDebsums")?.hasAttribute("checked"));
  ok(start.doc.querySelector("#p-includeSshdConfig")?.hasAttribute("checked"));
  equal(
    start.doc.querySelector("#params-form")?.textContent?.includes("takes no parameters"),
    false,
  );
  const defaults = await w.remediate(w.a.viewer, {
    hostId: w.web.host.id,
    actionId: DRIFT,
    mode: "plan",
  });
  equal(
    start.doc.querySelector("[data-plan-hash]")?.getAttribute("data-plan-hash"),
    defaults.body.plan!.planHash,
    "the defaults plan what the API plans without params",
  );
  for (const input of start.doc.querySelectorAll("#params-form input:not([type=hidden])")) {
    ok(start.doc.querySelector(`label[for="${input.id}"]`), `label for ${input.id}`);
  }

  // Two packages, no debsums (its box unchecked sends nothing).
  const preview = await viewer.get(
    `${path}?action=${DRIFT}&packages=openssh-server%2C+sudo&includeSshdConfig=on&preview=1`,
  );
  equal(preview.status, 200, textOf(preview.doc.querySelector(".notice-error")));
  const steps = argvs(preview);
  deepEqual(steps.map((argv) => argv.slice(1)), [["--verify", "openssh-server", "sudo"], ["-t"]]);
  equal(preview.doc.querySelector("#p-packages")?.getAttribute("value"), "openssh-server, sudo");
  equal(preview.doc.querySelector("#p-includeDebsums")?.hasAttribute("checked"), false);
  const api = await w.remediate(w.a.viewer, {
    hostId: w.web.host.id,
    actionId: DRIFT,
    params: { packages: ["sudo", "openssh-server"], includeDebsums: false },
    mode: "plan",
  });
  equal(
    preview.doc.querySelector("[data-plan-hash]")?.getAttribute("data-plan-hash"),
    api.body.plan!.planHash,
  );

  // The dry-run form carries the same params: the queued run's plan has them.
  const ops = pageSession(w, w.a.ops);
  const opsPreview = await ops.get(
    `${path}?action=${DRIFT}&packages=openssh-server%2C+sudo&includeSshdConfig=on&preview=1`,
  );
  const fields = dryRunFields(opsPreview);
  deepEqual(fields.packages, ["openssh-server, sudo"]);
  equal(fields.includeDebsums, undefined);
  const dry = await postFields(w, path, fields);
  equal(dry.status, 303);
  const [run] = await runsOf(w);
  const stored = (await getRun(w.services.ledger, run.id))!;
  equal(stored.mode, "dry-run");
  equal(stored.planHash, api.body.plan!.planHash);
  deepEqual(stored.plan.dryRunSteps.map((s) => s.argv.slice(1)), [
    ["--verify", "openssh-server", "sudo"],
    ["-t"],
  ]);
});

Deno.test("[pages] remediation console: collect-forensics-first's pids and journal bounds reach the plan", async () => {
  await using w = await remediationWorld();
  const ops = pageSession(w, w.a.ops);
  const path = consolePath(w);

  const start = await ops.get(`${path}?action=${FORENSICS}`);
  equal(start.doc.querySelector("#p-journalSinceMinutes")?.getAttribute("value"), "120");
  equal(start.doc.querySelector("#p-journalLines")?.getAttribute("value"), "1000");
  equal(start.doc.querySelector("#p-journalLines")?.getAttribute("inputmode"), "numeric");
  equal(start.doc.querySelector("#p-pids")?.getAttribute("value"), "");
  match(textOf(start.doc.querySelector("#p-journalSinceMinutes-hint")), /default 120/);

  const preview = await ops.get(
    `${path}?action=${FORENSICS}&pids=4242+31337&journalSinceMinutes=30&journalLines=200&preview=1`,
  );
  equal(preview.status, 200, textOf(preview.doc.querySelector(".notice-error")));
  const flat = argvs(preview).flat();
  ok(flat.includes("--since=-30min"), flat.join(" "));
  ok(flat.includes("--lines=200"));
  ok(flat.includes("/proc/4242/exe") && flat.includes("/proc/31337/exe"));

  const dry = await postFields(w, path, dryRunFields(preview));
  equal(dry.status, 303);
  const run = (await getRun(w.services.ledger, (await runsOf(w))[0].id))!;
  deepEqual(run.plan.params, { pids: [4242, 31337], journalSinceMinutes: 30, journalLines: 200 });
  ok(run.plan.dryRunSteps.some((s) => s.argv.includes("--since=-30min")));
});

Deno.test("[pages] remediation console: a bad optional param is 400 next to the field the API names", async () => {
  await using w = await remediationWorld();
  const viewer = pageSession(w, w.a.viewer);
  const path = consolePath(w);
  const cases: [string, string, Record<string, unknown>, string][] = [
    [FORENSICS, "journalLines=abc", { journalLines: "abc" }, "journalLines"],
    [FORENSICS, "journalLines=50", { journalLines: 50 }, "journalLines"],
    [FORENSICS, "journalSinceMinutes=99999", { journalSinceMinutes: 99999 }, "journalSinceMinutes"],
    [FORENSICS, "pids=1", { pids: [1] }, "pids"],
    [FORENSICS, "pids=12+x", { pids: [12, "x"] }, "pids"],
    [DRIFT, "packages=Bad%3BName&includeDebsums=on", { packages: ["Bad;Name"] }, "packages"],
  ];
  for (const [actionId, query, params, field] of cases) {
    const api = await w.remediate(w.a.viewer, {
      hostId: w.web.host.id,
      actionId,
      params,
      mode: "plan",
    });
    equal(api.status, 400, query);
    const error = api.body.error as { details: { field: string } };
    match(error.details.field, new RegExp(`^params\\.${field}\\b`), query);

    const page = await viewer.get(`${path}?action=${actionId}&${query}&preview=1`);
    equal(page.status, 400, query);
    ok(page.doc.querySelector(`.field-invalid #p-${field}`), `${query}: the field is marked`);
    ok(textOf(page.doc.querySelector(`#p-${field}-error`)), query);
    equal(page.doc.querySelector("#plan"), null, `${query}: no plan`);
  }

  // A dry-run with a bad value queues nothing.
  const bad = await postFields(w, path, {
    intent: ["dry-run"],
    action: [FORENSICS],
    journalLines: ["50"],
  });
  equal(bad.status, 400);
  match(await bad.text(), /id="p-journalLines-error"/);
  deepEqual(await runsOf(w), []);
});
