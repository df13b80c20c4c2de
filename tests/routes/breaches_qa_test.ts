/**
 * QA findings on the breach page and API: an ignore reason over 1000 characters is refused with
 * a plain message stating the limit ("at most 1000 characters"), never raw zod text, and the
 * typed reason is shown again in full.
 */
import { equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { getPage, parseHtml, postForm, textOf } from "../support/pages.ts";
import { createHostViaApi, fixtureJson, pushStatus } from "../support/hosts_api.ts";

const RAW_ZOD = /Too small|Too big|Invalid input|expected string|expected number/;

Deno.test("[breaches qa] an ignore reason of 1001 characters: a plain message, input kept", async () => {
  await using w = await operatorWorld();
  const host = await createHostViaApi(w, "web-1");
  const pushed = await pushStatus(
    w,
    host,
    await fixtureJson("status-drift.json"),
    "2026-11-25T09:00:00.000Z",
  );
  const id = (pushed as unknown as { breaches: { opened: { id: string }[] } }).breaches.opened[0]
    .id;
  const reason = "r".repeat(1001);

  const page = await postForm(w.app, `/breaches/${id}`, { intent: "ignore", reason }, {
    cookie: w.a.ops.cookie,
  });
  equal(page.status, 400);
  const html = await page.text();
  ok(!RAW_ZOD.test(html), "no raw zod text");
  const doc = parseHtml(html);
  const field = doc.querySelector('form[data-action="ignore"] .field-invalid');
  match(textOf(field), /at most 1000 characters/);
  equal(field?.querySelector("input")?.getAttribute("value"), reason, "the reason as typed");
  const after = await getPage(w.app, `/breaches/${id}`, w.headers(w.a.ops));
  equal(after.doc.querySelector("[data-state]")?.getAttribute("data-state"), "open");

  const api = await w.app.request(`/api/hosts/${host.host.id}/breaches`, {
    method: "POST",
    headers: w.headers(w.a.ops, { "content-type": "application/json" }),
    body: JSON.stringify({ action: "ignore", breachId: id, reason }),
  });
  equal(api.status, 400);
  const error = (await api.json()).error as { message: string; details: { field: string } };
  equal(error.details.field, "reason");
  equal(error.message, "reason: at most 1000 characters");

  const empty = await w.app.request(`/api/hosts/${host.host.id}/breaches`, {
    method: "POST",
    headers: w.headers(w.a.ops, { "content-type": "application/json" }),
    body: JSON.stringify({ action: "create", title: "", severity: "high" }),
  });
  equal(empty.status, 400);
  equal((await empty.json()).error.message, "title: write a title");
});
