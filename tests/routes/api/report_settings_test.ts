/**
 * `/api/orgs/report-settings`: ops read the schedule, admins change it (partial, audited once
 * per real change); a bad member is a 400 naming it and changes nothing; viewers and ops are
 * refused where the table says so; organizations never see each other's settings.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { type Operator, type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { getReportSettings } from "@/lib/reports/settings.ts";

function patch(w: OperatorWorld, who: Operator, body: unknown) {
  return w.app.request("/api/orgs/report-settings", {
    method: "PATCH",
    headers: w.headers(who, { "content-type": "application/json" }),
    body: JSON.stringify(body),
  });
}

Deno.test("[api] report settings: ops read, admins change, audited", async () => {
  await using w = await operatorWorld();
  const read = await w.app.request("/api/orgs/report-settings", { headers: w.headers(w.a.ops) });
  equal(read.status, 200);
  const initial = await read.json();
  equal(initial.settings.enabled, false);
  equal(initial.schedule, "Weekly on Monday at 08:00 UTC");
  equal(
    (await w.app.request("/api/orgs/report-settings", { headers: w.headers(w.a.viewer) })).status,
    403,
  );
  equal((await patch(w, w.a.ops, { hourUtc: 9 })).status, 403);

  const res = await patch(w, w.a.admin, {
    enabled: true,
    frequency: "daily",
    hourUtc: 7,
    emails: ["Ops-Team@Acme.test", "ops-team@acme.test", "cto@acme.test"],
  });
  equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  equal(body.schedule, "Daily at 07:00 UTC");
  deepEqual(body.settings.emails, ["ops-team@acme.test", "cto@acme.test"]);
  equal(body.settings.scheduleSince, "2026-11-25T10:00:00.000Z");
  deepEqual(Object.keys(body.changes).sort(), ["emails", "enabled", "frequency", "hourUtc"]);

  equal((await patch(w, w.a.admin, { hourUtc: 7 })).status, 200, "no change");
  const audit = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "report.settings.update",
  });
  equal(audit.entries.length, 1, "audited once: the second PATCH changed nothing");
  equal((await getReportSettings(w.services.ledger, w.orgB.id)).enabled, false, "org B untouched");
  const other = await w.app.request("/api/orgs/report-settings", { headers: w.headers(w.ownerB) });
  equal((await other.json()).settings.orgId, w.orgB.id);
});

Deno.test("[api] report settings: a bad member is a 400 naming it, nothing changes", async () => {
  await using w = await operatorWorld();
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ frequency: "monthly" }, "frequency", /expected "daily" or "weekly"/],
    [{ hourUtc: 24 }, "hourUtc", /0-23/],
    [{ hourUtc: 7.5 }, "hourUtc", /whole hour/],
    [{ weekday: 7 }, "weekday", /0 \(Sunday\) to 6 \(Saturday\)/],
    [{ emails: ["ops@acme.test", "nope"] }, "emails.1", /e-mail address/],
    [{ emails: Array.from({ length: 21 }, (_, i) => `o${i}@acme.test`) }, "emails", /at most 20/],
    [{ enabled: "yes" }, "enabled", /true or false/],
    [{ enabled: true }, "emails", /at least one e-mail address/],
    [{ color: "red" }, "(body)", /.+/],
  ];
  for (const [body, field, message] of cases) {
    const res = await patch(w, w.a.admin, body);
    equal(res.status, 400, JSON.stringify(body));
    const error = (await res.json()).error;
    equal(error.details.field, field, `${JSON.stringify(body)}: ${error.message}`);
    match(error.message, message);
  }
  equal((await getReportSettings(w.services.ledger, w.orgA.id)).updatedAt, null, "never stored");
});
