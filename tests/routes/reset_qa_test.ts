/**
 * QA of the reset-link page (`/reset/confirm`): a used or expired link says why and offers no
 * form, on the GET (checked without using the link up) and after a POST.
 */
import { equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { getPage, parseHtml, postForm, textOf } from "../support/pages.ts";
import { issueToken } from "@/lib/auth/tokens.ts";

const SPENT = /This link was already used or has expired; request a new one\./;
const NEW_PASSWORD = "a brand new long passphrase";

Deno.test("[pages] reset QA: a used link says why, on GET and on POST, and shows no form", async () => {
  await using w = await operatorWorld();
  const who = w.a.viewer;
  const token = await issueToken(w.services.kv, "password_reset", {
    userId: who.userId,
    email: who.email,
  }, { ttlMs: 30 * 60_000, now: w.services.clock.now() });
  const path = `/reset/confirm?token=${token}`;

  const form = await getPage(w.app, path, w.headers());
  equal(form.status, 200);
  ok(form.doc.querySelector('input[name="password"]'), "a valid link shows the form");
  // The GET checked the link without using it up: the form still works.
  const done = await postForm(w.app, "/reset/confirm", { token, password: NEW_PASSWORD });
  equal(done.status, 303);
  equal(done.headers.get("location"), "/sign-in?done=password_reset");

  const again = await getPage(w.app, path, w.headers());
  equal(again.status, 410);
  equal(again.doc.querySelector('input[name="password"]'), null, "no form for a used link");
  match(textOf(again.doc.querySelector(".notice")), SPENT);
  ok(again.doc.querySelector('a[href="/reset"]'), "the way to a new link");

  const reposted = await postForm(w.app, "/reset/confirm", { token, password: NEW_PASSWORD });
  equal(reposted.status, 410);
  const doc = parseHtml(await reposted.text());
  match(textOf(doc.querySelector(".notice")), SPENT);
  equal(doc.querySelector('input[name="password"]'), null);
});

Deno.test("[pages] reset QA: an expired link says why, on GET and on POST", async () => {
  await using w = await operatorWorld();
  const who = w.a.viewer;
  const issuedAt = new Date(w.services.clock.now().getTime() - 31 * 60_000);
  const token = await issueToken(w.services.kv, "password_reset", {
    userId: who.userId,
    email: who.email,
  }, { ttlMs: 30 * 60_000, now: issuedAt });

  const page = await getPage(w.app, `/reset/confirm?token=${token}`, w.headers());
  equal(page.status, 410);
  equal(page.doc.querySelector('input[name="password"]'), null, "no form for an expired link");
  match(textOf(page.doc.querySelector(".notice")), SPENT);

  const posted = await postForm(w.app, "/reset/confirm", { token, password: NEW_PASSWORD });
  equal(posted.status, 410);
  match(textOf(parseHtml(await posted.text()).querySelector(".notice")), SPENT);
});

Deno.test("[pages] reset QA: an unknown link is not valid, without a form", async () => {
  await using w = await operatorWorld();
  const unknown = "A".repeat(43);
  const page = await getPage(w.app, `/reset/confirm?token=${unknown}`, w.headers());
  equal(page.status, 400);
  equal(page.doc.querySelector('input[name="password"]'), null);
  match(textOf(page.doc.querySelector(".notice")), /This reset link is not valid/);
});
