/**
 * QA of `/reports`: UI text carries no markdown backticks, and the "send now" flash counts its
 * deliveries in proper English.
 */
import { equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";

Deno.test("[pages] reports QA: the no-recipient error has no backticks", async () => {
  await using w = await operatorWorld();
  const ops = pageSession(w, w.a.ops);
  const res = await ops.post("/reports", {
    intent: "send",
    period: "day",
    emails: "",
    viaEndpoints: "on",
  });
  equal(res.status, 400);
  const error = textOf(res.doc.querySelector("#f-send-emails-error"));
  match(error, /no notification endpoint takes reports/);
  match(error, /add “Report” to an endpoint's event types/);
  ok(!res.html.includes("`"), "no markdown backticks anywhere in the page");
});

Deno.test("[pages] reports QA: the send-now flash says 1 delivery, 3 deliveries", async () => {
  await using w = await operatorWorld();
  const ops = pageSession(w, w.a.ops);
  const one = textOf((await ops.get("/reports?done=sent&queued=1&suppressed=0")).doc.body);
  match(one, /Report sent: 1 delivery queued for the notification pipeline\./);
  const three = textOf((await ops.get("/reports?done=sent&queued=3&suppressed=0")).doc.body);
  match(three, /Report sent: 3 deliveries queued for the notification pipeline\./);
  for (const text of [one, three]) ok(!text.includes("(ies)"), "no (ies)");
});
