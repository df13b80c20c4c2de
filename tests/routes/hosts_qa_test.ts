/**
 * QA findings on the host pages: /hosts refuses a bad filter or sort with 400 naming the
 * parameter (as the other list pages do) instead of quietly listing every host; a key label
 * over the limit is refused, never cut to fit; /hosts/new flags every invalid field at once.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { createHostViaApi as createHost } from "../support/hosts_api.ts";
import { listHostKeys } from "@/lib/hosts/keys.ts";
import { countHosts } from "@/lib/hosts/registry.ts";

const rowsOf = (doc: Document) =>
  [...doc.querySelectorAll("tr[data-host]")].map((r) => r.getAttribute("data-host"));

Deno.test("[pages] hosts: a bad band, sort, period or tag is 400 naming each parameter", async () => {
  await using w = await operatorWorld();
  await createHost(w, "web-1");
  const viewer = pageSession(w, w.a.viewer);

  const bad = await viewer.get("/hosts?band=zzz&sort=bogus");
  equal(bad.status, 400);
  ok(bad.doc.querySelector(".field-invalid #f-band"), "the band filter is marked");
  equal(bad.doc.querySelector("#f-band")?.getAttribute("aria-invalid"), "true");
  equal(
    textOf(bad.doc.querySelector("#f-band-error")),
    "expected one of low, guarded, elevated, critical",
  );
  deepEqual(rowsOf(bad.doc), [], "no list under a refused filter");

  equal(textOf(bad.doc.querySelector("#f-sort-error")), "expected one of name, posture, seen");
  const sort = await viewer.get("/hosts?sort=bogus");
  equal(sort.status, 400);
  equal(textOf(sort.doc.querySelector("#f-sort-error")), "expected one of name, posture, seen");

  const period = await viewer.get("/hosts?period=1y");
  equal(period.status, 400);
  match(textOf(period.doc.querySelector(".notice-error")), /^period: expected one of /);

  const tag = await viewer.get(`/hosts?tag=${"t".repeat(33)}`);
  equal(tag.status, 400);
  ok(tag.doc.querySelector(".field-invalid #f-tag"));

  // Good and blank values still work as before.
  for (const q of ["band=critical", "band=&sort=", "sort=seen", "period=7d", ""]) {
    equal((await viewer.get(`/hosts?${q}`)).status, 200, q);
  }
  deepEqual(rowsOf((await viewer.get("/hosts?band=&sort=name")).doc), ["web-1"]);
});

Deno.test("[pages] hosts: a key label over 80 characters is refused, no key is created", async () => {
  await using w = await operatorWorld();
  const { host } = await createHost(w, "web-1");
  const admin = pageSession(w, w.a.admin);
  const before = (await listHostKeys(w.services.ledger, w.orgA.id, host.id)).length;

  const long = await admin.post(`/hosts/${host.id}`, {
    intent: "key_create",
    label: "k".repeat(300),
  });
  equal(long.status, 400);
  equal(textOf(long.doc.querySelector(".notice-error")), "label: at most 80 characters");
  equal(textOf(long.doc.querySelector("#f-key-label-error")), "at most 80 characters");
  equal(long.doc.querySelector("#f-key-label")?.getAttribute("value"), "k".repeat(300));
  equal(long.doc.querySelector("#new-token"), null, "no token shown");
  equal((await listHostKeys(w.services.ledger, w.orgA.id, host.id)).length, before);

  const fits = await admin.post(`/hosts/${host.id}`, {
    intent: "key_create",
    label: "k".repeat(80),
  });
  equal(fits.status, 303);
  const keys = await listHostKeys(w.services.ledger, w.orgA.id, host.id);
  equal(keys.length, before + 1);
  ok(keys.some((k) => k.label === "k".repeat(80)), "stored in full");
});

Deno.test("[pages] hosts/new: every invalid field is flagged in one round trip", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const typed = { name: "Web 1", slug: "-Bad Slug-", group: "", tags: "prod, BAD TAG!" };
  const res = await admin.post("/hosts/new", typed);
  equal(res.status, 400);
  for (const field of ["slug", "tags"]) {
    ok(res.doc.querySelector(`.field-invalid #f-${field}`), `${field} is marked`);
    ok(textOf(res.doc.querySelector(`#f-${field}-error`)), `${field} says why`);
  }
  match(textOf(res.doc.querySelector("#f-tags-error")), /each tag/);
  equal(res.doc.querySelector(".field-invalid #f-name"), null, "a good name is not marked");
  // The first invalid field takes the focus (the first autofocus in the page wins).
  equal(res.doc.querySelector("[autofocus]")?.id, "f-slug");
  equal((await admin.get("/hosts/new")).doc.querySelector("[autofocus]"), null, "none unasked");
  equal(res.doc.querySelector("#f-slug")?.getAttribute("value"), typed.slug);
  equal(res.doc.querySelector("#f-tags")?.getAttribute("value"), typed.tags);
  equal(await countHosts(w.services.ledger, w.orgA.id), 0);
});

Deno.test("[pages] hosts: the summary cards say they count the whole fleet, whatever the filter", async () => {
  await using w = await operatorWorld();
  await createHost(w, "web-1");
  await createHost(w, "db-1");
  const page = await pageSession(w, w.a.viewer).get("/hosts?q=web");
  equal(page.status, 200);
  equal(page.doc.querySelectorAll("tr[data-host]").length, 1, "the search shows one host");
  match(textOf(page.doc.querySelector(".fleet-summary h2")), /^Fleet posture · all 2 hosts$/);
});

Deno.test("[pages] hosts: a new key's token is shown only on the page of the host it belongs to", async () => {
  await using w = await operatorWorld();
  const a = (await createHost(w, "web-1")).host;
  const b = (await createHost(w, "db-1")).host;
  const admin = pageSession(w, w.a.admin);
  const created = await admin.post(`/hosts/${a.id}`, { intent: "key_create", label: "agent" });
  equal(created.status, 303);
  const location = new URL(created.headers.get("location")!, "http://localhost");
  const id = location.searchParams.get("token");

  // The same operator follows an edited link (or a stale tab) to another host's page: web-1's
  // token must not be presented as a token of db-1.
  const other = await admin.get(`/hosts/${b.id}?token=${id}`);
  equal(other.status, 200);
  equal(
    other.doc.querySelector("#new-token"),
    null,
    "web-1's new token shown on db-1's page (the one-time entry is not bound to the host)",
  );
});

Deno.test("[pages] hosts: the fleet summary of one host does not say '1 hosts'", async () => {
  await using w = await operatorWorld();
  await createHost(w, "web-1");
  const page = await pageSession(w, w.a.viewer).get("/hosts");
  equal(page.status, 200);
  const heading = textOf(page.doc.querySelector(".fleet-summary h2"));
  match(heading, /^Fleet posture · /);
  equal(heading, "Fleet posture · all 1 host");
});
