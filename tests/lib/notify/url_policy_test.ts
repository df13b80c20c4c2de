/** Endpoint URL rules: schemes, credentials, private addresses, and what may be displayed. */
import { equal, match, ok, throws } from "node:assert/strict";
import { HttpError } from "@/lib/fresh/errors.ts";
import {
  checkEndpointUrl,
  displayUrl,
  isPrivateAddress,
  isPrivateHostName,
  privateTargetRefusal,
} from "@/lib/notify/url_policy.ts";

Deno.test("[notify] private addresses: IPv4, IPv6, mapped and special ranges", () => {
  for (
    const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "::1",
      "[::1]",
      "::",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "[::ffff:7f00:1]",
      "::ffff:10.0.0.1",
      "ff02::1",
    ]
  ) ok(isPrivateAddress(a), a);
  for (const a of ["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "example.com"]) {
    ok(!isPrivateAddress(a), a);
  }
  for (const h of ["localhost", "db.internal", "printer.local", "x.localhost", "LOCALHOST."]) {
    ok(isPrivateHostName(h), h);
  }
  ok(!isPrivateHostName("hooks.slack.com"));
});

function fieldOf(fn: () => unknown): { field: string; message: string } {
  try {
    fn();
  } catch (error) {
    ok(error instanceof HttpError);
    equal(error.status, 400);
    return { field: (error.details as { field: string }).field, message: error.message };
  }
  throw new Error("did not throw");
}

Deno.test("[notify] endpoint URLs: http(s) only, no credentials, private refused by policy", () => {
  const strict = { allowPrivate: false };
  equal(
    checkEndpointUrl(" https://hooks.example.com/a?b=1#frag ", strict),
    "https://hooks.example.com/a?b=1",
  );
  match(
    fieldOf(() => checkEndpointUrl("ftp://x.example.com/", strict)).message,
    /^url: use an https:\/\//,
  );
  match(fieldOf(() => checkEndpointUrl("not a url", strict)).message, /enter a full URL/);
  const creds = fieldOf(() => checkEndpointUrl("https://user:pw@x.example.com/", strict));
  equal(creds.field, "url");
  match(creds.message, /remove the user name and password/);
  for (
    const u of ["http://127.0.0.1:9/x", "http://[::1]/", "http://localhost/", "http://10.0.0.5/"]
  ) {
    match(fieldOf(() => checkEndpointUrl(u, strict)).message, /NOTIFY_ALLOW_PRIVATE_URLS=true/, u);
    ok(checkEndpointUrl(u, { allowPrivate: true }), `${u} allowed by config`);
  }
  equal(
    fieldOf(() => checkEndpointUrl("x", { allowPrivate: true, field: "target" })).field,
    "target",
  );
});

Deno.test("[notify] only the display form of a URL is shown", () => {
  equal(
    displayUrl("https://hooks.slack.com/services/T0/B0/SECRET"),
    "https://hooks.slack.com/services/…",
  );
  equal(displayUrl("https://discord.com/api/webhooks/1/tok"), "https://discord.com/api/…");
  equal(displayUrl("http://127.0.0.1:8080/hook?token=abc"), "http://127.0.0.1:8080/hook?…");
  equal(displayUrl("https://example.com"), "https://example.com");
});

Deno.test("[notify] before a send, literal private targets are refused", async () => {
  match((await privateTargetRefusal("http://127.0.0.1:1/x")) ?? "", /private address/);
  equal(await privateTargetRefusal("http://93.184.215.14/x"), null);
  throws(() => checkEndpointUrl("http://169.254.169.254/latest", { allowPrivate: false }));
});
