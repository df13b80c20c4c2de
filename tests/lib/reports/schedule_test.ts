/**
 * Scheduled reports through the real cron handler (`runScheduledReports`) on a test clock:
 * nothing before the hour or before the schedule started; at the hour one report per period,
 * however often the handler runs (twice in a row, or two "instances" at once); the next period
 * sends again. The queued e-mail deliveries, run by the notification pipeline, reach a real
 * local SMTP server with the report's HTML and text.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { FLEET_REPORTS_CRON, runScheduledReports } from "@/jobs/reports.ts";
import { latestCronRuns } from "@/lib/db/ledger/cron_runs.ts";
import { processDelivery } from "@/lib/notify/pipeline.ts";
import { recentReportSends } from "@/lib/reports/sends.ts";
import { type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { startSmtpServer } from "../../support/smtp.ts";
import { HOSTILE_NAME, seedFleet } from "./fleet_seed.ts";

const RECIPIENTS = ["ops-team@acme.test", "cto@acme.test"];

async function configure(w: OperatorWorld, body: Record<string, unknown>) {
  const res = await w.app.request("/api/orgs/report-settings", {
    method: "PATCH",
    headers: w.headers(w.a.admin, { "content-type": "application/json" }),
    body: JSON.stringify(body),
  });
  equal(res.status, 200, await res.clone().text());
}

async function reportDeliveries(w: OperatorWorld) {
  return await w.services.ledger.db.selectFrom("notify_deliveries").select(["id", "recipient"])
    .where("event_type", "=", "report").orderBy("id").execute();
}

Deno.test("[reports] the hourly cron sends each due report once, by e-mail through SMTP", async () => {
  await using smtp = await startSmtpServer();
  await using w = await operatorWorld({ env: { SMTP_URL: smtp.url } });
  await seedFleet(w);
  const { clock } = w.services;
  // 10:00: daily at 11:00 UTC from now on.
  await configure(w, { enabled: true, frequency: "daily", hourUtc: 11, emails: RECIPIENTS });

  deepEqual(await runScheduledReports(w.services), [], "yesterday's 11:00 predates the schedule");
  clock.set("2026-11-25T10:59:00Z");
  deepEqual(await runScheduledReports(w.services), [], "not due before the hour");

  clock.set("2026-11-25T11:04:00Z");
  const first = await runScheduledReports(w.services);
  deepEqual(first.map((o) => [o.orgId, o.periodKey, o.status]), [
    [w.orgA.id, "daily:2026-11-25", "sent"],
  ]);
  equal(first[0].deliveries.length, 2, "one delivery per address");
  clock.advance(60_000);
  const rerun = await runScheduledReports(w.services);
  deepEqual(rerun.map((o) => o.status), ["skipped"], "a re-run sends nothing");
  equal((await reportDeliveries(w)).length, 2);

  // The notification pipeline sends the queued deliveries.
  for (const id of first[0].deliveries) equal(await processDelivery(w.services, id, 1), "sent");
  const mails = await Promise.all(
    RECIPIENTS.map((to) => smtp.waitForMessage((m) => m.envelopeTo.includes(to))),
  );
  equal(smtp.messages.length, 2);
  for (const mail of mails) {
    equal(mail.subject, "[VPS Sentry] Daily fleet report: Acme Ops, 2026-11-24 to 2026-11-25");
    match(mail.text, /Hosts: 4/);
    match(mail.text, /Silent hosts: 4/, "an hour without pushes: every host is missing");
    // The day from 11-24 11:00: acknowledged after 15 and 40 minutes.
    match(mail.text, /MTTA: median 27m 30s, mean 27m 30s \(2 acknowledged\)/);
    match(mail.text, /Details: http:\/\/localhost:8000\/reports/);
    ok(mail.html.includes("Daily fleet report"));
    ok(!mail.html.includes("<img"), "the hostile host name arrives escaped");
    ok(mail.html.includes("&lt;img src=x onerror="), HOSTILE_NAME);
    ok(!/<script/i.test(mail.html));
  }

  // Next day: two instances run the cron at once; the period goes out once.
  clock.set("2026-11-26T11:04:00Z");
  const racing = (await Promise.all([
    runScheduledReports(w.services),
    runScheduledReports(w.services),
  ])).flat();
  deepEqual(racing.map((o) => o.status).sort(), ["sent", "skipped"]);
  equal(racing.find((o) => o.status === "sent")!.periodKey, "daily:2026-11-26");
  equal((await reportDeliveries(w)).length, 4);

  const sends = await recentReportSends(w.services.ledger, w.orgA.id);
  deepEqual(sends.map((s) => [s.periodKey, s.state]), [
    ["daily:2026-11-26", "sent"],
    ["daily:2026-11-25", "sent"],
  ]);
  equal((await recentReportSends(w.services.ledger, w.orgB.id)).length, 0, "org B has no schedule");
  const runs = await latestCronRuns(w.services.ledger, FLEET_REPORTS_CRON, 10);
  equal(runs.length, 6);
  ok(runs.every((r) => r.status === "ok"));
  ok(runs.some((r) => r.detail === "sent 1, skipped 0, failed 0"));
});

Deno.test("[reports] weekly schedules wait for their weekday; changing the hour restarts", async () => {
  // Sessions that outlive the days the clock moves through.
  await using w = await operatorWorld({
    env: { SESSION_IDLE_MINUTES: "10080", SESSION_MAX_HOURS: "8760" },
  });
  const { clock } = w.services;
  // Wednesday 2026-11-25 10:00: weekly on Thursday at 08:00 UTC.
  await configure(w, {
    enabled: true,
    frequency: "weekly",
    weekday: 4,
    hourUtc: 8,
    emails: ["ops-team@acme.test"],
  });
  clock.set("2026-11-26T07:59:00Z");
  deepEqual(await runScheduledReports(w.services), []);
  clock.set("2026-11-26T08:04:00Z");
  deepEqual((await runScheduledReports(w.services)).map((o) => [o.periodKey, o.status]), [
    ["weekly:2026-11-26", "sent"],
  ]);
  clock.set("2026-11-30T08:04:00Z");
  deepEqual((await runScheduledReports(w.services)).map((o) => o.status), ["skipped"]);
  // A new hour starts from now: this week's Thursday 06:00 is already past.
  await configure(w, { hourUtc: 6 });
  deepEqual(await runScheduledReports(w.services), []);
  clock.set("2026-12-03T06:04:00Z");
  deepEqual((await runScheduledReports(w.services)).map((o) => [o.periodKey, o.status]), [
    ["weekly:2026-12-03", "sent"],
  ]);
  // Switched off: nothing more.
  await configure(w, { enabled: false });
  clock.set("2026-12-10T06:04:00Z");
  deepEqual(await runScheduledReports(w.services), []);
});

Deno.test("[reports] a report that cannot be delivered fails the run (retried), never double-sends", async () => {
  await using w = await operatorWorld();
  await configure(w, { enabled: true, frequency: "daily", hourUtc: 10, viaEndpoints: true });
  w.services.clock.set("2026-11-26T10:04:00Z");
  let error = "";
  try {
    await runScheduledReports(w.services);
  } catch (e) {
    error = (e as Error).message;
  }
  match(error, /1 scheduled report\(s\) failed/);
  const [send] = await recentReportSends(w.services.ledger, w.orgA.id);
  equal(send.state, "failed");
  match(send.detail ?? "", /no notification endpoint takes reports/);
  const [run] = await latestCronRuns(w.services.ledger, FLEET_REPORTS_CRON, 1);
  equal(run.status, "failed");
});
