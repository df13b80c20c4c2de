/**
 * QA findings on the escalation policy editor (`/escalation`): every invalid field is marked in
 * one round trip with a plain message stating the constraint, the typed input is kept, and the
 * "Check the fields marked below" summary is shown; the API says the same.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { parseHtml, postForm, textOf } from "../support/pages.ts";
import { incidentWorld } from "../lib/incidents/world.ts";

const RAW_ZOD = /Too small|Too big|Invalid input|expected number|expected string/;

Deno.test("[escalation qa] several invalid fields: all marked, plain messages, input kept", async () => {
  await using w = await incidentWorld();
  const res = await postForm(w.app, "/escalation", {
    intent: "save",
    [`level-0-user-${w.a.ops.userId}`]: "on",
    "ack-critical": "-1",
    "ack-high": "abc",
    "repeat-medium": "2000",
    repeatCount: "9999",
  }, { cookie: w.a.admin.cookie });
  equal(res.status, 400);
  const html = await res.text();
  const doc = parseHtml(html);
  const marked = [...doc.querySelectorAll(".field-invalid input")]
    .map((i) => i.getAttribute("name")).sort();
  deepEqual(marked, ["ack-critical", "ack-high", "repeat-medium", "repeatCount"]);
  match(textOf(doc.querySelector(".notice-error")), /Check the fields marked below/);
  ok(!RAW_ZOD.test(html), "no raw zod text");
  const errorOf = (name: string) =>
    textOf(
      doc.querySelector(`input[name="${name}"]`)?.parentElement?.querySelector(".field-error") ??
        null,
    );
  match(errorOf("ack-critical"), /1 to 1440 minutes/);
  match(errorOf("ack-high"), /1 to 1440 minutes/);
  match(errorOf("repeat-medium"), /1 to 1440 minutes/);
  match(errorOf("repeatCount"), /0 to 100 reminders/);
  const value = (name: string) => doc.querySelector(`input[name="${name}"]`)?.getAttribute("value");
  equal(value("ack-critical"), "-1");
  equal(value("ack-high"), "abc");
  equal(value("repeat-medium"), "2000");
  equal(value("repeatCount"), "9999");
  equal(value("ack-medium"), "30", "untouched fields keep their value");
  ok(
    doc.querySelector(`input[name="level-0-user-${w.a.ops.userId}"][checked]`),
    "ticked boxes stay ticked",
  );
  const stored = await w.api(w.a.ops, "GET", "/api/escalation-policy");
  equal((stored.body.policy as { isDefault: boolean }).isDefault, true, "nothing saved");
});

Deno.test("[escalation qa] the API names the constraint and lists every bad field", async () => {
  await using w = await incidentWorld();
  const res = await w.api(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [],
    ackMinutes: { critical: -1, high: "abc" },
    repeatCount: 9999,
  });
  equal(res.status, 400);
  const error = res.body.error as unknown as {
    message: string;
    details: { field: string; issues: { field: string; message: string }[] };
  };
  equal(error.message, "ackMinutes.critical: 1 to 1440 minutes, a whole number");
  deepEqual(error.details.issues.map((i) => i.field), [
    "ackMinutes.critical",
    "ackMinutes.high",
    "repeatCount",
  ]);
  ok(!error.details.issues.some((i) => RAW_ZOD.test(i.message)), JSON.stringify(error));

  // Two levels naming users outside the organization: both are reported at once.
  const outsiders = await w.api(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.ownerB.userId] }, { userIds: [w.a.ops.userId, w.ownerB.userId] }],
  });
  equal(outsiders.status, 400);
  const issues =
    (outsiders.body.error as unknown as { details: { issues: { field: string }[] } }).details
      .issues;
  deepEqual(issues.map((i) => i.field), ["levels.0.userIds.0", "levels.1.userIds.1"]);
});

Deno.test("[escalation qa] an error is marked on the form level it came from, past empty levels", async () => {
  await using w = await incidentWorld();
  // Form level 1 (the second) is empty and dropped: the policy's level 1 is form level 2.
  const res = await postForm(w.app, "/escalation", {
    intent: "save",
    [`level-0-user-${w.a.ops.userId}`]: "on",
    [`level-2-user-${w.ownerB.userId}`]: "on",
  }, { cookie: w.a.admin.cookie });
  equal(res.status, 400);
  const doc = parseHtml(await res.text());
  const invalid = [...doc.querySelectorAll("fieldset.field-invalid")]
    .map((f) => f.getAttribute("data-level"));
  deepEqual(invalid, ["3"], "the third fieldset (form level 2) is marked");
});
