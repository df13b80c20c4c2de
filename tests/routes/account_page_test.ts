import { equal, match, ok } from "node:assert/strict";
import { operatorWorld, TEST_PASSWORD } from "../support/operator_world.ts";
import { getPage, parseHtml, postForm, sessionCookieOf, textOf } from "../support/pages.ts";
import { currentTotp } from "@/lib/auth/totp.ts";
import { getUser } from "@/lib/orgs/users.ts";
import { listSessions } from "@/lib/auth/sessions.ts";

Deno.test("[pages] account: set up TOTP from the page, see recovery codes once, then turn it off", async () => {
  await using w = await operatorWorld();
  const cookie = w.a.ops.cookie;
  const start = await postForm(w.app, "/account", { intent: "totp_start" }, { cookie });
  equal(start.status, 200);
  const doc = parseHtml(await start.text());
  const secret = textOf(doc.querySelector("#totp-secret"));
  match(secret, /^[A-Z2-7]{32}$/);
  match(doc.querySelector("img.qr")?.getAttribute("src") ?? "", /^data:image\/svg\+xml;base64,/);

  const wrong = await postForm(w.app, "/account", { intent: "totp_confirm", code: "12345" }, {
    cookie,
  });
  equal(wrong.status, 400);
  const wrongDoc = parseHtml(await wrong.text());
  ok(wrongDoc.querySelector('input[name="code"][aria-invalid="true"]'));
  equal(textOf(wrongDoc.querySelector("#totp-secret")), secret, "the same set-up is shown again");

  const code = currentTotp(secret, w.services.clock.now());
  const confirmed = await postForm(w.app, "/account", { intent: "totp_confirm", code }, { cookie });
  equal(confirmed.status, 303, "Post/Redirect/Get");
  const rotated = sessionCookieOf(confirmed);
  ok(rotated && rotated !== cookie, "the session rotates");
  const shown = await getPage(w.app, confirmed.headers.get("location")!, { cookie: rotated });
  const codes = [...shown.doc.querySelectorAll(".codes code")].map(textOf);
  equal(codes.length, 10);
  ok((await getUser(w.services.ledger, w.a.ops.userId))?.totpEnabledAt);

  const later = await getPage(w.app, "/account", { cookie: rotated });
  ok(!later.doc.querySelector(".codes"), "codes are shown only once");
  match(
    textOf(later.doc.querySelector('[aria-labelledby="totp-title"]')),
    /On\. 10 unused recovery codes left/,
  );
  const off = await postForm(
    w.app,
    "/account",
    { intent: "totp_disable", password: TEST_PASSWORD },
    { cookie: rotated },
  );
  equal(off.headers.get("location"), "/account?done=totp_off");
  equal((await getUser(w.services.ledger, w.a.ops.userId))?.totpEnabledAt, null);
});

Deno.test("[pages] account: wrong current password is a field error; sessions can be ended", async () => {
  await using w = await operatorWorld();
  const cookie = w.a.viewer.cookie;
  const other = await postForm(w.app, "/sign-in", {
    email: w.a.viewer.email,
    password: TEST_PASSWORD,
  });
  ok(sessionCookieOf(other));

  const wrong = await postForm(w.app, "/account", {
    intent: "password",
    currentPassword: "not it at all",
    newPassword: "another long passphrase",
  }, { cookie });
  equal(wrong.status, 400);
  const doc = parseHtml(await wrong.text());
  const field = doc.querySelector('input[name="currentPassword"]');
  equal(field?.getAttribute("aria-invalid"), "true");
  match(
    textOf(doc.querySelector(`#${field?.getAttribute("id")}-error`)),
    /current password is wrong/,
  );

  const page = await getPage(w.app, "/account", { cookie });
  equal(page.doc.querySelectorAll("tbody tr").length, 2);
  equal(textOf(page.doc.querySelector(".current-session")), "This session");
  const end = page.doc.querySelector('input[name="sessionId"]')?.getAttribute("value") ?? "";
  ok(end && end !== w.a.viewer.sessionId, "only the other session has an End button");
  const res = await postForm(w.app, "/account", { intent: "end_session", sessionId: end }, {
    cookie,
  });
  equal(res.headers.get("location"), "/account?done=session_ended");
  equal((await listSessions(w.services.kv, w.a.viewer.userId)).length, 1);

  const everywhere = await postForm(w.app, "/account", { intent: "sign_out_everywhere" }, {
    cookie,
  });
  equal(everywhere.headers.get("location"), "/sign-in?done=signed_out_everywhere");
  equal((await listSessions(w.services.kv, w.a.viewer.userId)).length, 0);
});
