/**
 * `/api/ops/report-now`: ops preview the report (JSON + e-mail HTML and text, nothing sent) and
 * send it now (to themselves by default, or to given addresses; the queued e-mail reaches a real
 * SMTP server); viewers are refused; bad input is a 400 naming the field; another
 * organization's owner only ever sees their own fleet.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type Operator, type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { startSmtpServer } from "../../support/smtp.ts";
import { processDelivery } from "@/lib/notify/pipeline.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { HOSTILE_NAME, ORG_B_HOST, seedFleet } from "../../lib/reports/fleet_seed.ts";

const JSON_TYPE = { "content-type": "application/json" };

function call(w: OperatorWorld, who: Operator, path: string, body?: unknown) {
  return w.app.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: w.headers(who, body === undefined ? {} : JSON_TYPE),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

Deno.test("[api] report-now: viewers are refused; ops preview without sending", async () => {
  await using w = await operatorWorld();
  await seedFleet(w);
  for (
    const res of [
      await call(w, w.a.viewer, "/api/ops/report-now"),
      await call(w, w.a.viewer, "/api/ops/report-now", {}),
    ]
  ) {
    equal(res.status, 403);
    equal((await res.json()).error.code, "role_required");
  }
  w.services.clock.advance(4 * 60_000);
  const res = await call(w, w.a.ops, "/api/ops/report-now?period=day");
  equal(res.status, 200);
  const body = await res.json();
  equal(body.report.period.kind, "day");
  equal(body.report.hosts.total, 4);
  equal(body.report.ingest.snapshots, 3);
  equal(body.subject, "Daily fleet report: Acme Ops, 2026-11-24 to 2026-11-25");
  ok(body.html.startsWith("<!doctype html>") && !body.html.includes("<img"));
  ok(body.html.includes("&lt;img src=x"), "hostile names escaped");
  match(body.text, /Hosts: 4/);
  const post = await call(w, w.a.ops, "/api/ops/report-now?preview=1&period=week", {});
  equal(post.status, 200);
  equal((await post.json()).report.period.kind, "week");
  const sent = await w.services.ledger.db.selectFrom("notify_deliveries").select("id").execute();
  equal(sent.length, 0, "a preview sends nothing");
});

Deno.test("[api] report-now: sends to the caller by default; real SMTP receives it", async () => {
  await using smtp = await startSmtpServer();
  await using w = await operatorWorld({ env: { SMTP_URL: smtp.url } });
  await seedFleet(w);
  const res = await call(w, w.a.ops, "/api/ops/report-now", { period: "day" });
  equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  deepEqual(body.recipients, { emails: ["ops@acme.test"], viaEndpoints: false });
  equal(body.deliveries.length, 1);
  deepEqual(body.suppressed, []);
  equal(body.deduped, false);
  equal(await processDelivery(w.services, body.deliveries[0], 1), "sent");
  const mail = await smtp.waitForMessage((m) => m.envelopeTo.includes("ops@acme.test"));
  match(mail.subject, /^\[VPS Sentry\] Daily fleet report: Acme Ops/);
  match(mail.text, /MTTA: /);
  ok(mail.html.includes("Daily fleet report"));

  // Given addresses instead; a second send is not folded into the first.
  const two = await call(w, w.a.admin, "/api/ops/report-now", {
    emails: [" Lead@Acme.test ", "lead@acme.test", "cto@acme.test"],
  });
  equal(two.status, 200);
  const twoBody = await two.json();
  deepEqual(twoBody.recipients.emails, ["lead@acme.test", "cto@acme.test"]);
  equal(twoBody.deliveries.length, 2);
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "report.send" });
  equal(audit.entries.length, 2);
});

Deno.test("[api] report-now: bad input names the field", async () => {
  await using w = await operatorWorld();
  const cases: [string, unknown, string][] = [
    ["/api/ops/report-now", { period: "month" }, "period"],
    ["/api/ops/report-now", { emails: ["not-an-address"] }, "emails.0"],
    ["/api/ops/report-now", { emails: "ops@acme.test" }, "emails"],
    ["/api/ops/report-now", { surprise: 1 }, "(body)"],
    ["/api/ops/report-now?period=year", {}, "period"],
    ["/api/ops/report-now", { viaEndpoints: true }, "emails"],
  ];
  for (const [path, body, field] of cases) {
    const res = await call(w, w.a.ops, path, body);
    equal(res.status, 400, `${JSON.stringify(body)}: ${await res.clone().text()}`);
    const error = (await res.json()).error;
    equal(error.details.field, field, error.message);
  }
  const get = await call(w, w.a.ops, "/api/ops/report-now?period=fortnight");
  equal(get.status, 400);
  match((await get.json()).error.message, /^period: expected "day" or "week"/);
});

Deno.test("[api] report-now: org B's owner only sees org B", async () => {
  await using w = await operatorWorld();
  await seedFleet(w);
  const res = await call(w, w.ownerB, "/api/ops/report-now?period=day");
  equal(res.status, 200);
  const text = await res.text();
  equal(JSON.parse(text).report.hosts.total, 1);
  ok(text.includes(ORG_B_HOST), "org B's own host is in its report");
  for (const name of ["web-1", "db-1", "silent-1", "Acme Ops", "onerror", HOSTILE_NAME]) {
    ok(!text.includes(name), `org A's ${name} leaks into org B's report`);
  }
});
