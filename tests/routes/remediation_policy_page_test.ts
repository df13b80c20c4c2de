/**
 * The remediation policy page's maintenance windows: admins and owners add a window (times typed
 * as UTC) and remove it, each change stored and audited as `PUT /api/ops/remediate-policy`
 * audits it; bad input re-renders with 400 next to the field and stores nothing; ops only read,
 * viewers are refused, and another organization neither sees nor changes the windows.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { pageSession } from "../support/page_session.ts";
import { textOf } from "../support/pages.ts";
import { getOrgPolicy, setOrgPolicy } from "@/lib/remediation/policy_store.ts";

const PAGE = "/remediation/policy";
type World = Awaited<ReturnType<typeof operatorWorld>>;

const windowsOf = async (w: World, orgId = w.orgA.id) =>
  (await getOrgPolicy(w.services.ledger, orgId)).maintenanceWindows;

/** The policy changes audited in org A's chain, oldest first. */
const policyAudits = (w: World) =>
  w.services.ledger.db.selectFrom("audit_entries")
    .select(["action", "actor_id", "target_type", "target_id", "details"])
    .where("chain", "=", w.orgA.id).where("action", "=", "remediation.policy.update")
    .orderBy("seq").execute();

const addWindow = (fields: Record<string, string>) => ({ intent: "add_window", ...fields });

Deno.test("[pages] remediation policy: admins add a maintenance window and remove it, audited", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);

  const empty = await admin.get(PAGE);
  equal(empty.status, 200);
  match(textOf(empty.doc.querySelector("#windows-empty")), /No maintenance windows\. Add one/);
  const start = empty.doc.querySelector("#window-form #window-starts");
  equal(start?.getAttribute("type"), "datetime-local");
  match(textOf(empty.doc.querySelector("#window-starts-hint")), /UTC.*2026-11-25 10:00 UTC now/);
  equal(empty.doc.querySelector("#window-ends")?.getAttribute("type"), "datetime-local");

  const added = await admin.post(
    PAGE,
    addWindow({ startsAt: "2026-12-01T22:00", endsAt: "2026-12-02T02:30", reason: " CHG-7 " }),
  );
  equal(added.status, 303, textOf(added.doc.querySelector("main")));
  equal(added.headers.get("location"), "/remediation/policy?done=window_added#windows");
  const stored = {
    startsAt: "2026-12-01T22:00:00.000Z",
    endsAt: "2026-12-02T02:30:00.000Z",
    reason: "CHG-7",
  };
  deepEqual(await windowsOf(w), [stored], "the typed times are read as UTC");

  // Audited exactly as the API audits the same change.
  const byPage = await policyAudits(w);
  equal(byPage.length, 1);
  deepEqual(JSON.parse(byPage[0].details!), { change: { maintenanceWindows: [stored] } });
  const api = await w.app.request("/api/ops/remediate-policy", {
    method: "PUT",
    headers: w.headers(w.a.admin, { "content-type": "application/json" }),
    body: JSON.stringify({ maintenanceWindows: [stored] }),
  });
  equal(api.status, 200);
  const [pageEntry, apiEntry] = await policyAudits(w);
  deepEqual(pageEntry, apiEntry);
  equal(pageEntry.target_id, w.orgA.id);

  const shown = await admin.get("/remediation/policy?done=window_added");
  match(textOf(shown.doc.querySelector(".notice-ok")), /Maintenance window added/);
  const key = `${stored.startsAt}/${stored.endsAt}`;
  const row = shown.doc.querySelector(`#windows-table tr[data-window="${key}"]`);
  ok(row, "the window is listed");
  equal(row!.getAttribute("data-state"), "upcoming");
  match(textOf(row), /2026-12-01 22:00 UTC.*2026-12-02 02:30 UTC.*CHG-7/);
  equal(shown.doc.querySelector("#windows-empty"), null);
  match(textOf(shown.doc.querySelector("#windows-count")), /1 of at most 50/);

  const removed = await admin.post(PAGE, { intent: "remove_window", window: key });
  equal(removed.status, 303);
  equal(removed.headers.get("location"), "/remediation/policy?done=window_removed#windows");
  deepEqual(await windowsOf(w), []);
  const audits = await policyAudits(w);
  equal(audits.length, 3);
  deepEqual(JSON.parse(audits[2].details!), { change: { maintenanceWindows: [] } });
  equal(audits[2].actor_id, w.a.admin.userId);

  // Removing it again changes nothing and says so.
  const again = await admin.post(PAGE, { intent: "remove_window", window: key });
  equal(again.status, 409);
  match(textOf(again.doc.querySelector(".notice-error")), /not in the policy/);
  equal((await policyAudits(w)).length, 3);
});

Deno.test("[pages] remediation policy: past windows are muted and removable, current ones in effect", async () => {
  await using w = await operatorWorld();
  const owner = pageSession(w, w.a.owner);
  // The test clock stands at 2026-11-25T10:00Z.
  for (
    const [startsAt, endsAt] of [["2026-11-01T00:00", "2026-11-02T00:00"], [
      "2026-11-25T09:00",
      "2026-11-25T11:00:30",
    ]]
  ) {
    equal((await owner.post(PAGE, addWindow({ startsAt, endsAt, reason: "" }))).status, 303);
  }
  deepEqual(await windowsOf(w), [
    { startsAt: "2026-11-01T00:00:00.000Z", endsAt: "2026-11-02T00:00:00.000Z" },
    { startsAt: "2026-11-25T09:00:00.000Z", endsAt: "2026-11-25T11:00:30.000Z" },
  ], "an empty reason is left out");
  const page = await owner.get(PAGE);
  const rows = [...page.doc.querySelectorAll("#windows-table tbody tr")];
  deepEqual(rows.map((r) => r.getAttribute("data-state")), ["past", "active"]);
  ok(rows[0].classList.contains("muted"));
  match(textOf(rows[1]), /in effect/);
  const remove = rows[0].querySelector('input[name="window"]')?.getAttribute("value");
  equal(remove, "2026-11-01T00:00:00.000Z/2026-11-02T00:00:00.000Z");
  ok(rows[0].querySelector('button[aria-label^="Remove the past window"]'));
  equal((await owner.post(PAGE, { intent: "remove_window", window: remove! })).status, 303);
  deepEqual((await windowsOf(w)).map((x) => x.startsAt), ["2026-11-25T09:00:00.000Z"]);
});

Deno.test("[pages] remediation policy: bad windows are 400 next to the field, nothing stored", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const refused = async (
    fields: Record<string, string>,
    field: string,
    message: RegExp,
  ) => {
    const before = await windowsOf(w);
    const audits = (await policyAudits(w)).length;
    const page = await admin.post(PAGE, addWindow(fields));
    equal(page.status, 400, `${JSON.stringify(fields)}: ${textOf(page.doc.querySelector("main"))}`);
    ok(page.doc.querySelector(`.field-invalid #${field}`), `${field} is marked`);
    match(textOf(page.doc.querySelector(`#${field}-error`)), message);
    match(textOf(page.doc.querySelector(".notice-error")), /Check the field marked below/);
    deepEqual(await windowsOf(w), before, "nothing stored");
    equal((await policyAudits(w)).length, audits, "nothing audited");
    return page;
  };
  const ok1 = { startsAt: "2026-12-01T22:00", endsAt: "2026-12-02T02:00", reason: "" };

  const backwards = await refused(
    { ...ok1, startsAt: "2026-12-02T02:00", endsAt: "2026-12-01T22:00" },
    "window-ends",
    /the end must be after the start/,
  );
  // What was typed comes back.
  equal(backwards.doc.querySelector("#window-starts")?.getAttribute("value"), "2026-12-02T02:00");
  equal(backwards.doc.querySelector("#window-ends")?.getAttribute("value"), "2026-12-01T22:00");
  await refused({ ...ok1, endsAt: ok1.startsAt }, "window-ends", /after/);
  await refused({ ...ok1, startsAt: "tomorrow night" }, "window-starts", /real date and time/);
  await refused({ ...ok1, startsAt: "2026-02-30T10:00" }, "window-starts", /real date/);
  await refused({ ...ok1, endsAt: "2026-12-02T25:00" }, "window-ends", /real date/);
  await refused({ ...ok1, startsAt: "2026-12-01T22:00Z" }, "window-starts", /real date/);
  await refused({ ...ok1, startsAt: " " }, "window-starts", /give a date and time/);
  await refused({ endsAt: ok1.endsAt }, "window-starts", /give a date and time/);
  await refused({ ...ok1, reason: "x".repeat(201) }, "window-reason", /200/);

  // A full list: the count is refused at the top of the form.
  const full = Array.from({ length: 50 }, (_, i) => ({
    startsAt: new Date(Date.UTC(2026, 11, 1 + i)).toISOString(),
    endsAt: new Date(Date.UTC(2026, 11, 1 + i, 2)).toISOString(),
  }));
  await setOrgPolicy(
    w.services.ledger,
    w.orgA.id,
    { maintenanceWindows: full },
    "seed",
    new Date(),
  );
  const tooMany = await admin.post(PAGE, addWindow(ok1));
  equal(tooMany.status, 400);
  match(textOf(tooMany.doc.querySelector("#window-form #window-form-error")), /at most 50/);
  match(textOf(tooMany.doc.querySelector(".notice-error")), /Check the field marked below/);
  equal((await windowsOf(w)).length, 50);
  equal((await policyAudits(w)).length, 0);
});

Deno.test("[pages] remediation policy: ops read the windows, viewers are refused, neither changes them", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const ops = pageSession(w, w.a.ops);
  const viewer = pageSession(w, w.a.viewer);
  const fields = addWindow({ startsAt: "2026-12-01T22:00", endsAt: "2026-12-02T02:00" });

  const opsEmpty = await ops.get(PAGE);
  equal(opsEmpty.status, 200);
  match(textOf(opsEmpty.doc.querySelector("#windows-empty")), /Ask an admin or owner/);
  equal(opsEmpty.doc.querySelector("#window-form"), null, "no form for ops");
  equal((await viewer.get(PAGE)).status, 403);
  equal((await ops.post(PAGE, fields)).status, 403);
  equal((await viewer.post(PAGE, fields)).status, 403);
  deepEqual(await windowsOf(w), []);

  equal((await admin.post(PAGE, fields)).status, 303);
  const key = "2026-12-01T22:00:00.000Z/2026-12-02T02:00:00.000Z";
  const listed = await ops.get(PAGE);
  ok(listed.doc.querySelector(`#windows-table tr[data-window="${key}"]`));
  equal(listed.doc.querySelector('#windows input[name="intent"][value="remove_window"]'), null);
  equal((await ops.post(PAGE, { intent: "remove_window", window: key })).status, 403);
  equal((await windowsOf(w)).length, 1);
});

Deno.test("[pages] remediation policy: another organization's owner neither sees nor alters the windows", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const ownerB = pageSession(w, w.ownerB);
  const a = { startsAt: "2026-12-01T22:00", endsAt: "2026-12-02T02:00", reason: "acme only" };
  equal((await admin.post(PAGE, addWindow(a))).status, 303);
  const key = "2026-12-01T22:00:00.000Z/2026-12-02T02:00:00.000Z";

  const theirs = await ownerB.get(PAGE);
  equal(theirs.status, 200);
  equal(theirs.doc.querySelector("#windows-table"), null);
  ok(theirs.doc.querySelector("#windows-empty"));
  ok(!theirs.html.includes("acme only"));

  const removed = await ownerB.post(PAGE, { intent: "remove_window", window: key });
  equal(removed.status, 409);
  equal((await windowsOf(w)).length, 1, "org A keeps its window");

  const b = { startsAt: "2026-12-05T01:00", endsAt: "2026-12-05T03:00", reason: "beta" };
  equal((await ownerB.post(PAGE, addWindow(b))).status, 303);
  deepEqual((await windowsOf(w)).map((x) => x.reason), ["acme only"]);
  deepEqual((await windowsOf(w, w.orgB.id)).map((x) => x.reason), ["beta"]);
  const mine = await admin.get(PAGE);
  ok(!mine.html.includes("beta"), "org A does not see org B's window");
});

Deno.test("[pages] remediation policy: concurrent window edits both count; a gone window is 409", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const owner = pageSession(w, w.a.owner);
  const posted = await Promise.all([
    admin.post(
      PAGE,
      addWindow({ startsAt: "2026-12-01T22:00", endsAt: "2026-12-01T23:00", reason: "" }),
    ),
    owner.post(
      PAGE,
      addWindow({ startsAt: "2026-12-02T22:00", endsAt: "2026-12-02T23:00", reason: "" }),
    ),
    admin.post(
      PAGE,
      addWindow({ startsAt: "2026-12-03T22:00", endsAt: "2026-12-03T23:00", reason: "" }),
    ),
  ]);
  deepEqual(posted.map((p) => p.status), [303, 303, 303]);
  deepEqual(
    (await windowsOf(w)).map((x) => x.startsAt).sort(),
    ["2026-12-01T22:00:00.000Z", "2026-12-02T22:00:00.000Z", "2026-12-03T22:00:00.000Z"],
    "each edit started from the list the one before it stored",
  );
  const key = "2026-12-02T22:00:00.000Z/2026-12-02T23:00:00.000Z";
  const [first, second] = await Promise.all([
    admin.post(PAGE, { intent: "remove_window", window: key }),
    owner.post(PAGE, { intent: "remove_window", window: key }),
  ]);
  deepEqual([first.status, second.status].sort(), [303, 409]);
  equal((await windowsOf(w)).length, 2);
});
