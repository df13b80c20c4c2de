import { deepEqual, equal, match } from "node:assert/strict";
import { getRun } from "@/lib/remediation/runs.ts";
import { PROFILES } from "@/lib/remediation/profiles.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { remediationWorld } from "../../support/remediation_world.ts";
import { operatorWorld } from "../../support/operator_world.ts";
import { pageSession } from "../../support/page_session.ts";
import { textOf } from "../../support/pages.ts";
import { createHostViaApi } from "../../support/hosts_api.ts";
import { listHostOverrides } from "@/lib/remediation/host_overrides.ts";

const LOCKDOWN = "lockdown-access-surface";

Deno.test("host remediation policy: ops read, admins set and clear, the guard applies it", async () => {
  await using w = await remediationWorld();
  const path = `/api/hosts/${w.web.host.id}/remediation-policy`;
  const read = async () => (await (await w.api(w.a.ops, "GET", path)).json()).policy;
  equal((await w.api(w.a.viewer, "GET", path)).status, 403);
  deepEqual(await read(), {
    hostId: w.web.host.id,
    overrides: null,
    profile: "balanced",
    knobs: PROFILES.balanced,
  });

  equal((await w.api(w.a.ops, "PUT", path, { overrides: { queueTtlMin: 7 } })).status, 403);
  const set = await w.api(w.a.admin, "PUT", path, {
    overrides: { queueTtlMin: 7, retry: { attempts: 1 } },
  });
  equal(set.status, 200);
  const policy = (await set.json()).policy;
  deepEqual(policy.overrides, { queueTtlMin: 7, retry: { attempts: 1 } });
  equal(policy.knobs.queueTtlMin, 7);
  deepEqual(policy.knobs.retry, { ...PROFILES.balanced.retry, attempts: 1 });
  equal(policy.changed, true);
  const { changed: _changed, ...view } = policy;
  deepEqual(await read(), view);

  // The guard reads it: a run queued now expires after the host's 7 minutes.
  const dry = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    mode: "dry-run",
  });
  equal(dry.status, 202, JSON.stringify(dry.body));
  const run = (await getRun(w.services.ledger, dry.body.run!.id))!;
  equal(run.expiresAt.getTime() - run.createdAt.getTime(), 7 * 60_000);

  const audit = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "remediation.host_policy.update",
  });
  equal(audit.entries.length, 1);
  equal(audit.entries[0].target?.id, w.web.host.id);

  const cleared = await w.api(w.a.admin, "PUT", path, { overrides: null });
  equal(cleared.status, 200);
  equal((await cleared.json()).policy.overrides, null);
  equal((await read()).knobs.queueTtlMin, PROFILES.balanced.queueTtlMin);
});

Deno.test("host remediation policy: bad input is a 400 naming the field and changes nothing", async () => {
  await using w = await remediationWorld();
  const path = `/api/hosts/${w.web.host.id}/remediation-policy`;
  await w.api(w.a.admin, "PUT", path, { overrides: { cooldownSec: 60 } });
  const cases: [unknown, string][] = [
    [{ overrides: { cooldownSec: -1 } }, "overrides.cooldownSec"],
    [{ overrides: { cooldownSec: "60" } }, "overrides.cooldownSec"],
    [{ overrides: { maxSteps: 33 } }, "overrides.maxSteps"],
    [{ overrides: { profile: "reckless" } }, "overrides.profile"],
    [{ overrides: { retry: { attempts: 0 } } }, "overrides.retry.attempts"],
    [{ overrides: { unknownKnob: 1 } }, "overrides.unknownKnob"],
    [{ overrides: { retry: { backoff: 1 } } }, "overrides.retry.backoff"],
    [{ overrides: [1] }, "overrides"],
    [{ overrides: "strict" }, "overrides"],
    [{}, "overrides"],
  ];
  for (const [body, field] of cases) {
    const res = await w.api(w.a.admin, "PUT", path, body);
    const error = (await res.json()).error;
    equal(res.status, 400, JSON.stringify(body));
    equal(error.details.field, field, JSON.stringify(body));
    match(error.message, new RegExp(`^${field.replace(/\./g, "\\.")}`));
  }
  const after = (await (await w.api(w.a.ops, "GET", path)).json()).policy;
  deepEqual(after.overrides, { cooldownSec: 60 });
});

Deno.test("host remediation policy: another organization's host is 404 and stays untouched", async () => {
  await using w = await remediationWorld();
  const path = `/api/hosts/${w.web.host.id}/remediation-policy`;
  await w.api(w.a.admin, "PUT", path, { overrides: { cooldownSec: 60 } });
  equal((await w.api(w.ownerB, "GET", path)).status, 404);
  equal((await w.api(w.ownerB, "PUT", path, { overrides: null })).status, 404);
  equal((await w.api(w.ownerB, "PUT", path, { overrides: { cooldownSec: 1 } })).status, 404);
  const after = (await (await w.api(w.a.ops, "GET", path)).json()).policy;
  deepEqual(after.overrides, { cooldownSec: 60 });
});

Deno.test("host remediation policy: an empty override object is no override", async () => {
  await using w = await operatorWorld();
  const host = (await createHostViaApi(w, "web-1")).host;
  const res = await w.app.request(`/api/hosts/${host.id}/remediation-policy`, {
    method: "PUT",
    headers: w.headers(w.a.admin, { "content-type": "application/json" }),
    body: JSON.stringify({ overrides: {} }),
  });
  equal(res.status, 200, await res.clone().text());
  // The form treats "no knobs" as clearing the override; the API stores an empty row, so the
  // host is listed with "none" and the policy page counts it as having knobs of its own.
  equal(
    (await listHostOverrides(w.services, w.orgA.id)).length,
    0,
    "an empty override stores no row",
  );
  const policy = await pageSession(w, w.a.admin).get("/remediation/policy");
  match(textOf(policy.doc.querySelector("main")), /Host overrides: none/);
});

Deno.test("host remediation policy: a replayed run takes its host's override, not the org's", async () => {
  await using w = await remediationWorld();
  const path = `/api/hosts/${w.web.host.id}/remediation-policy`;
  const dry = await w.dryRun(w.a.ops, "collect-forensics-first");
  const runId = dry.body.run!.id;
  equal((await w.api(w.a.admin, "PUT", path, { overrides: { queueTtlMin: 7 } })).status, 200);
  // Dead-letter by hand (dispatch kept failing), then replay: the new expiry is the host's TTL.
  await w.services.ledger.db.updateTable("remediation_runs")
    .set({ state: "dead-letter", dead_letter_reason: "test" }).where("id", "=", runId).execute();
  const replay = await w.api(w.a.ops, "POST", "/api/ops/remediate-replay", { runIds: [runId] });
  equal(replay.status, 200);
  const run = (await getRun(w.services.ledger, runId))!;
  equal(run.state, "queued");
  equal(run.expiresAt.getTime() - w.services.clock.now().getTime(), 7 * 60_000);
});
