/**
 * QA findings on the remediation console's params form: an empty required field is marked when
 * the form is submitted (never on the first visit), and a field error is said once, next to the
 * field, with a short summary at the top.
 */
import { equal, match, ok } from "node:assert/strict";
import { remediationWorld } from "../support/remediation_world.ts";
import { getPage, textOf } from "../support/pages.ts";

Deno.test("[pages] remediate: Preview plan with an empty address marks the field; the first visit does not", async () => {
  await using w = await remediationWorld();
  const path = `/hosts/${w.web.host.id}/remediate`;
  const headers = w.headers(w.a.viewer);

  const first = await getPage(w.app, `${path}?action=block-ip`, headers);
  equal(first.status, 200);
  equal(first.doc.querySelector(".notice-error"), null, "no error before a submit");
  equal(first.doc.querySelector("#p-ip-error"), null);

  for (const query of ["action=block-ip&ip=&preview=1", "action=block-ip&ip=+++&preview=1"]) {
    const empty = await getPage(w.app, `${path}?${query}`, headers);
    equal(empty.status, 400, query);
    ok(empty.doc.querySelector(".field-invalid #p-ip"), `${query}: the field is marked`);
    equal(empty.doc.querySelector("#p-ip")?.getAttribute("aria-invalid"), "true", query);
    equal(
      textOf(empty.doc.querySelector("#p-ip-error")),
      "give an address or network to block",
      query,
    );
    equal(textOf(empty.doc.querySelector(".notice-error")), "Check the field marked below.");
    equal(empty.doc.querySelector("#plan"), null, `${query}: no plan`);
  }
});

Deno.test("[pages] remediate: a malformed address's message shows once, under the field", async () => {
  await using w = await remediationWorld();
  const path = `/hosts/${w.web.host.id}/remediate`;
  const ip = encodeURIComponent("999.1.1.1; rm -rf /");
  const bad = await getPage(
    w.app,
    `${path}?action=block-ip&ip=${ip}&preview=1`,
    w.headers(w.a.viewer),
  );
  equal(bad.status, 400);
  const detail = textOf(bad.doc.querySelector("#p-ip-error"));
  match(detail, /give one IPv4 or IPv6 address/);
  equal(textOf(bad.doc.querySelector(".notice-error")), "Check the field marked below.");
  equal(bad.html.split("give one IPv4 or IPv6 address").length - 1, 1, "said once");
  equal(bad.doc.querySelector("#p-ip")?.getAttribute("value"), "999.1.1.1; rm -rf /");
});
