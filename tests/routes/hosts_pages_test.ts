/**
 * The fleet UI, server-rendered: the fleet page (band, heartbeat, search, filters, empty state),
 * the add-host flow that shows the token once, and the host page (posture, IOC evidence,
 * unexpected ports, keys, deletion) — with viewers read-only and other organizations' hosts 404.
 */
import { equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { fixtureBytes } from "../support/agent_fixtures.ts";
import { getHost } from "@/lib/hosts/registry.ts";
import { createHostViaApi as createHost } from "../support/hosts_api.ts";

const JSON_TYPE = { "content-type": "application/json" };

async function push(w: OperatorWorld, hostId: string, token: string, fixture: string) {
  const res = await w.app.request(`/api/hosts/${hostId}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...JSON_TYPE },
    body: new Uint8Array(fixtureBytes(fixture)),
  });
  equal(res.status, 200, await res.clone().text());
}

const rowsOf = (doc: Document) =>
  [...doc.querySelectorAll("tr[data-host]")].map((r) => r.getAttribute("data-host"));

Deno.test("[pages] hosts: the fleet lists hosts with band and heartbeat; search and filters", async () => {
  await using w = await operatorWorld();
  const web = await createHost(w, "web-1", { group: "web", tags: ["prod"] });
  await createHost(w, "db-1", { group: "data", tags: ["prod", "eu"] });
  await createHost(w, "lab-1", { tags: ["lab"] });
  await push(w, web.host.id, web.onboarding.token, "status-real-debian.json");

  const viewer = pageSession(w, w.a.viewer);
  const { status, doc } = await viewer.get("/hosts");
  equal(status, 200);
  equal(rowsOf(doc).join(","), "db-1,lab-1,web-1");
  const webRow = doc.querySelector("tr[data-host='web-1']");
  equal(webRow?.getAttribute("data-band"), "critical");
  match(textOf(webRow), /critical/);
  match(textOf(webRow), /Fresh/);
  match(textOf(doc.querySelector("tr[data-host='db-1']")), /Missing \(never\)/);
  ok(webRow?.querySelector("time[title='2026-11-25T16:56:15.675Z']"), "exact ISO in title");
  ok(doc.querySelector('a[href="/hosts"][aria-current="page"]'), "Hosts in the header");
  ok(!doc.querySelector('a[href="/hosts/new"]'), "viewers get no Add host link");

  const query = async (q: string) => rowsOf((await viewer.get(`/hosts?${q}`)).doc).join(",");
  equal(await query("q=WEB"), "web-1");
  equal(await query("group=data"), "db-1");
  equal(await query("tag=prod"), "db-1,web-1");
  equal(await query("band=critical"), "web-1");
  equal(await query("band=guarded"), "db-1,lab-1", "never seen: the silence alone is guarded");
  equal((await query("sort=posture")).split(",")[0], "web-1");
  match(textOf((await viewer.get("/hosts?q=nothing")).doc.body), /No host matches/);
});

Deno.test("[pages] hosts: cursor paging and the empty state by role", async () => {
  await using w = await operatorWorld();
  const viewer = pageSession(w, w.a.viewer);
  const empty = await pageSession(w, w.a.admin).get("/hosts");
  ok(empty.doc.querySelector('.empty a[href="/hosts/new"]'), "admins are sent to add a host");
  match(textOf((await viewer.get("/hosts")).doc.querySelector(".empty")), /Ask an admin/);
  for (let i = 0; i < 52; i++) await createHost(w, `h-${String(i).padStart(2, "0")}`);
  const first = await viewer.get("/hosts");
  equal(rowsOf(first.doc).length, 50);
  const next = first.doc.querySelector('a[rel="next"]')?.getAttribute("href");
  equal(next, "/hosts?sort=name&after=h-49");
  const second = await viewer.get(next!);
  equal(rowsOf(second.doc).join(","), "h-50,h-51");
  ok(!second.doc.querySelector('a[rel="next"]'));
});

Deno.test("[pages] hosts: adding a host shows the token once; bad input keeps the form", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const form = await admin.get("/hosts/new");
  equal(form.status, 200);
  ok(form.doc.querySelector('input[name="name"]'));
  const res = await admin.post("/hosts/new", {
    name: "Web Frankfurt",
    slug: "",
    group: "eu",
    tags: "prod, eu",
  });
  // Post/Redirect/Get: the onboarding material shows once, on the GET after the redirect.
  equal(res.status, 303);
  const shownAt = res.headers.get("location")!;
  match(shownAt, /^\/hosts\/new\?created=/);
  const shown = await admin.get(shownAt);
  equal(shown.headers.get("cache-control"), "no-store");
  const { doc } = shown;
  const token = textOf(doc.querySelector("#host-token"));
  match(token, /^vs1_[A-Za-z0-9_-]{32}$/);
  match(textOf(doc.body), /This token is shown only now/);
  match(textOf(doc.querySelector("#push-command")), new RegExp(`Bearer ${token}`));
  match(textOf(doc.querySelector("#install-script")), /vps-sentry-push-web\.env/);
  const hostId = textOf(doc.querySelector("#host-id"));
  const host = await getHost(w.services.ledger, w.orgA.id, hostId);
  equal(host?.slug, "web-frankfurt");
  equal(host?.tags.join(","), "prod,eu");
  for (const path of ["/hosts", `/hosts/${hostId}`, shownAt]) {
    const page = await admin.get(path);
    ok(!page.html.includes(token), `${path} never shows the token again`);
  }
  match(textOf((await admin.get(shownAt)).doc.querySelector("main")), /shown once/);
  equal((await pageSession(w, w.a.owner).get(shownAt)).doc.querySelector("#host-token"), null);

  const bad = await admin.post("/hosts/new", { name: "", slug: "X!", group: "", tags: "Bad Tag!" });
  equal(bad.status, 400);
  ok(bad.doc.querySelector(".field-invalid #f-name"), "the name is marked");
  const taken = await admin.post("/hosts/new", { name: "again", slug: "web-frankfurt" });
  equal(taken.status, 409);
  match(textOf(taken.doc.querySelector("#f-slug-error")), /already used/);
  equal(taken.doc.querySelector("#f-name")?.getAttribute("value"), "again");
});

Deno.test("[pages] hosts: viewers see no admin forms and their POSTs are refused", async () => {
  await using w = await operatorWorld();
  const { host, onboarding } = await createHost(w, "web-1");
  await push(w, host.id, onboarding.token, "status-real-debian.json");
  const viewer = pageSession(w, w.a.viewer);
  const { status, doc } = await viewer.get(`/hosts/${host.id}`);
  equal(status, 200);
  equal(doc.querySelectorAll("form[method='post'] input[name='intent']").length, 0);
  ok(doc.querySelector("table.keys"), "viewers still see the keys table");
  equal((await viewer.get("/hosts/new")).status, 403);
  const keyId = doc.querySelector("tr[data-key]")?.getAttribute("data-key") ?? "";
  const attempts: Record<string, string>[] = [
    { intent: "key_revoke", keyId },
    { intent: "delete", confirm: "web-1" },
  ];
  for (const fields of attempts) {
    equal((await viewer.post(`/hosts/${host.id}`, fields)).status, 403, fields.intent);
  }
  const add = await viewer.post("/hosts/new", { name: "x1x" });
  equal(add.status, 403);
  ok(await getHost(w.services.ledger, w.orgA.id, host.id), "nothing was deleted");
});

Deno.test("[pages] hosts: the host page shows posture, the IOC evidence and the unexpected port", async () => {
  await using w = await operatorWorld();
  const { host, onboarding } = await createHost(w, "vm-1", { group: "lab", tags: ["debian"] });
  await push(w, host.id, onboarding.token, "status-real-debian.json");
  const viewer = pageSession(w, w.a.viewer);
  const { status, doc } = await viewer.get(`/hosts/${host.id}`);
  equal(status, 200);
  match(textOf(doc.querySelector("#posture-title")?.parentElement ?? null), /critical/);
  match(textOf(doc.querySelector(".contributors")), /suspicious_process_ioc/);
  // Each contributor says what it is in words, beside its code.
  for (const row of doc.querySelectorAll(".contributors tbody tr")) {
    ok(row.querySelector("span"), `a title in words: ${textOf(row)}`);
  }
  const threat = textOf(doc.querySelector(".threat[data-code='suspicious_process_ioc']"));
  for (const part of ["9485", "root", "/usr/bin/bash", "bash /dev/fd/3", "/tmp/rs/run"]) {
    ok(threat.includes(part), `evidence shows ${part}: ${threat}`);
  }
  const port = doc.querySelector("tr[data-port='tcp:2024']");
  equal(port?.getAttribute("data-expected"), "false");
  match(textOf(port), /unexpected/);
  match(textOf(doc.body), /Agent version\s*1\.0\.0/);
  ok(doc.querySelector("svg.bar[role='img'][aria-label^='Memory']"), "memory bar with a text");
  ok(doc.querySelector("tr[data-breach='suspicious_process_ioc']"), "the IOC is an open breach");
  ok(doc.querySelector("tr[data-breach='unexpected_public_port']"), "so is the port");
  ok(doc.querySelector(".timeline li[data-code='suspicious_process_ioc']"), "and on the timeline");
  const fleet = await viewer.get("/hosts");
  equal(fleet.doc.querySelector("tr[data-host='vm-1']")?.getAttribute("data-breaches"), "2");
  ok(!doc.querySelector("[style]"), "no inline styles");
});

Deno.test("[pages] hosts: another organization's host is 404; key actions; delete needs the slug", async () => {
  await using w = await operatorWorld();
  const { host } = await createHost(w, "web-1");
  const hostPage = `/hosts/${host.id}`;
  const foreigner = pageSession(w, w.ownerB);
  equal((await foreigner.get(hostPage)).status, 404);
  const foreign = await foreigner.post(hostPage, { intent: "delete", confirm: "web-1" });
  equal(foreign.status, 404);

  const admin = pageSession(w, w.a.admin);
  // Post/Redirect/Get: the token shows once, on the GET after the redirect.
  const createdPost = await admin.post(hostPage, { intent: "key_create", label: "x" });
  equal(createdPost.status, 303);
  const tokenUrl = createdPost.headers.get("location")!;
  match(tokenUrl, new RegExp(`^${hostPage}\\?token=`));
  const created = await admin.get(tokenUrl);
  match(textOf(created.doc.querySelector("#new-token")), /^vs\d+_/);
  const refreshed = await admin.get(tokenUrl);
  equal(refreshed.doc.querySelector("#new-token"), null, "shown once");
  match(textOf(refreshed.doc.querySelector(".notice")), /shown once; rotate the key/);
  equal((await pageSession(w, w.a.owner).get(tokenUrl)).doc.querySelector("#new-token"), null);
  const firstKey = [...created.doc.querySelectorAll("tr[data-key]")].at(-1)!.getAttribute(
    "data-key",
  )!;
  const rotatedPost = await admin.post(hostPage, {
    intent: "key_rotate",
    keyId: firstKey,
    graceSeconds: "3600",
  });
  equal(rotatedPost.status, 303);
  const rotated = await admin.get(rotatedPost.headers.get("location")!);
  match(textOf(rotated.doc.querySelector(".notice")), /Key rotated/);
  equal(
    rotated.doc.querySelector(`tr[data-key='${firstKey}']`)?.getAttribute("data-state"),
    "grace",
  );
  const revoked = await admin.post(hostPage, { intent: "key_revoke", keyId: firstKey });
  equal(revoked.status, 303);

  const wrong = await admin.post(hostPage, { intent: "delete", confirm: "web-2" });
  equal(wrong.status, 400);
  match(textOf(wrong.doc.querySelector("#f-confirm-error")), /type the host's slug/);
  ok(await getHost(w.services.ledger, w.orgA.id, host.id), "still there");
  const right = await admin.post(hostPage, { intent: "delete", confirm: "web-1" });
  equal(right.status, 303);
  equal(right.headers.get("location"), "/hosts?done=deleted");
  equal(await getHost(w.services.ledger, w.orgA.id, host.id), null);
});
