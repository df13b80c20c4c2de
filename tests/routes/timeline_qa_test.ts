/**
 * QA of the timeline filters, on the page and on `/api/timeline` (same query code): a date-only
 * Until covers that whole day, the from-after-until error uses the field labels, and a bad
 * severity is refused with 400 naming it, like a bad host.
 */
import { equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { getPage, textOf } from "../support/pages.ts";
import { createHostViaApi, fixtureJson, pushStatus } from "../support/hosts_api.ts";

const rowsOf = (doc: Document) => [...doc.querySelectorAll("tr[data-signal]")];

Deno.test("[pages] timeline QA: a date-only Until includes that day, page and API agree", async () => {
  await using w = await operatorWorld();
  const host = await createHostViaApi(w, "web-1");
  await pushStatus(w, host, await fixtureJson("status-drift.json"), "2026-11-25T09:00:00.000Z");

  const full = await getPage(
    w.app,
    "/timeline?from=2026-11-25T00:00&to=2026-11-25T23:59:59",
    w.headers(w.a.viewer),
  );
  equal(full.status, 200);
  const expected = rowsOf(full.doc).length;
  ok(expected > 0, "the day has signals");

  const day = await getPage(
    w.app,
    "/timeline?from=2026-11-25&to=2026-11-25",
    w.headers(w.a.viewer),
  );
  equal(day.status, 200);
  equal(rowsOf(day.doc).length, expected, "to=2026-11-25 includes all of 2026-11-25");
  match(textOf(day.doc.querySelector("#f-to")?.closest(".field") ?? null), /end of that day/);
  // The day before stays empty.
  const before = await getPage(w.app, "/timeline?to=2026-11-24", w.headers(w.a.viewer));
  equal(rowsOf(before.doc).length, 0);

  const api = await w.app.request("/api/timeline?from=2026-11-25&to=2026-11-25", {
    headers: w.headers(w.a.viewer),
  });
  equal(api.status, 200);
  const body = await api.json();
  equal(body.entries.length, expected, "the API reads the same day");
});

Deno.test("[pages] timeline QA: from after Until and a bad severity are field errors (400)", async () => {
  await using w = await operatorWorld();
  const reversed = await getPage(
    w.app,
    "/timeline?from=2026-11-26&to=2026-11-25",
    w.headers(w.a.viewer),
  );
  equal(reversed.status, 400);
  const fromField = reversed.doc.querySelector(".field-invalid #f-from")?.closest(".field");
  match(textOf(fromField ?? null), /From must not be after Until/);

  const bogus = await getPage(w.app, "/timeline?severity=bogus", w.headers(w.a.viewer));
  equal(bogus.status, 400);
  ok(bogus.doc.querySelector(".field-invalid #f-severity"), "the error is on Severity");
  match(textOf(bogus.doc.querySelector(".field-invalid")), /expected one of info, low/);

  for (
    const [q, field] of [["severity=bogus", "severity"], ["from=2026-11-26&to=2026-11-25", "from"]]
  ) {
    const res = await w.app.request(`/api/timeline?${q}`, { headers: w.headers(w.a.viewer) });
    equal(res.status, 400, q);
    const err = (await res.json()).error;
    equal(err.details.field, field, q);
    if (field === "from") match(err.message, /From must not be after Until/);
  }
});
