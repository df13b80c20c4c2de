import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { getPage, textOf } from "../support/pages.ts";
import { appendAudit } from "@/lib/audit/append.ts";

async function seed(w: OperatorWorld) {
  const entries = [
    {
      action: "org.member.role_change",
      who: w.a.owner,
      target: w.a.viewer.userId,
      summary: "viewer → ops",
    },
    {
      action: "auth.sign_in",
      who: w.a.admin,
      target: w.a.admin.userId,
      summary: "admin signed in",
    },
    { action: "org.invitation.create", who: w.a.owner, target: "inv1", summary: "invited someone" },
  ];
  for (const [i, e] of entries.entries()) {
    await appendAudit(w.services.ledger, {
      orgId: w.orgA.id,
      actor: { type: "user", id: e.who.userId, label: e.who.email },
      action: e.action,
      target: { type: e.action.startsWith("org.invitation") ? "invitation" : "user", id: e.target },
      ip: "203.0.113.9",
      summary: e.summary,
      ts: new Date(Date.UTC(2026, 10, 20 + i, 12)),
    });
  }
  // Another organization's entry never shows.
  await appendAudit(w.services.ledger, {
    orgId: w.orgB.id,
    actor: { type: "user", id: w.ownerB.userId, label: w.ownerB.email },
    action: "org.member.remove",
    summary: "beta secret",
    ts: new Date(Date.UTC(2026, 10, 21)),
  });
}

const actions = (doc: Document) =>
  [...doc.querySelectorAll("table.audit tbody tr td:nth-child(3)")].map(textOf);

Deno.test("[pages] audit: entries newest first, with exact times, filters, paging and export links", async () => {
  await using w = await operatorWorld();
  await seed(w);
  const all = await getPage(w.app, "/audit", w.headers(w.a.admin));
  equal(all.status, 200);
  deepEqual(actions(all.doc), ["org.invitation.create", "auth.sign_in", "org.member.role_change"]);
  const first = all.doc.querySelector("table.audit tbody tr");
  equal(first?.querySelector("time")?.getAttribute("title"), "2026-11-22T12:00:00.000Z");
  equal(textOf(first?.querySelector("td:nth-child(2)") ?? null), "owner@acme.test");
  match(textOf(first), /invitation inv1.*invited someone.*203\.0\.113\.9/);
  ok(!all.html.includes("beta secret"), "only the active organization's chain");
  equal(
    all.doc.querySelector('a[href^="/api/audit/export"]')?.getAttribute("href"),
    "/api/audit/export?format=jsonl",
  );

  const filtered = await getPage(
    w.app,
    "/audit?action=org.&actor=owner%40acme.test",
    w.headers(w.a.admin),
  );
  deepEqual(actions(filtered.doc), ["org.invitation.create", "org.member.role_change"]);
  equal(filtered.doc.querySelector('input[name="action"]')?.getAttribute("value"), "org.");
  equal(
    filtered.doc.querySelector('input[name="actor"]')?.getAttribute("value"),
    "owner@acme.test",
  );
  const csv = filtered.doc.querySelector('a[href*="format=csv"]')?.getAttribute("href") ?? "";
  const params = new URL(csv, "http://x").searchParams;
  equal(params.get("action"), "org.");
  equal(params.get("actor"), w.a.owner.userId, "export uses the resolved actor id");

  // A date alone in "Until" includes that day (UTC).
  const ranged = await getPage(w.app, "/audit?from=2026-11-21&to=2026-11-22", w.headers(w.a.admin));
  deepEqual(actions(ranged.doc), ["org.invitation.create", "auth.sign_in"]);

  const page1 = await getPage(w.app, "/audit?limit=2", w.headers(w.a.admin));
  deepEqual(actions(page1.doc), ["org.invitation.create", "auth.sign_in"]);
  const older = page1.doc.querySelector('a[rel="next"]')?.getAttribute("href") ?? "";
  match(older, /^\/audit\?limit=2&before=\d+$/);
  const page2 = await getPage(w.app, older, w.headers(w.a.admin));
  deepEqual(actions(page2.doc), ["org.member.role_change"]);
  ok(!page2.doc.querySelector('a[rel="next"]'), "no older page after the last");
  ok(page2.doc.querySelector('.pager a[href="/audit?limit=2"]'), "back to the newest");
});

Deno.test("[pages] audit: a bad filter is shown next to its field; viewers and ops are refused", async () => {
  await using w = await operatorWorld();
  const bad = await getPage(w.app, "/audit?from=yesterday", w.headers(w.a.owner));
  equal(bad.status, 400);
  equal(bad.doc.querySelector('input[name="from"]')?.getAttribute("aria-invalid"), "true");
  match(textOf(bad.doc.querySelector(".field-error")), /ISO date/);
  equal(bad.doc.querySelector('input[name="from"]')?.getAttribute("value"), "yesterday");
  for (const who of [w.a.viewer, w.a.ops]) {
    const res = await w.app.request("/audit", { headers: w.headers(who) });
    equal(res.status, 403, who.role);
    match(await res.text(), /This needs the admin role/);
  }
});
