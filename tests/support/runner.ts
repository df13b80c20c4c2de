/**
 * The project's host runner as tests play it (agent-protocol Part 2): an Ed25519 key made with
 * Web Crypto, enrollment with a one-time token, and signed requests (§2.3) — status pushes with
 * `X-Sentry-Seq`, reads without — sent through the test app.
 */
import { equal } from "node:assert/strict";
import { jwkThumbprint } from "@/lib/ingest/signed.ts";
import { newNonce, signRequest } from "@/agent/sign.ts";
import type { OperatorWorld } from "./operator_world.ts";

const JSON_TYPE = { "content-type": "application/json" };

/** An enrolled (or about to be) runner key. */
export interface TestRunner {
  hostId: string;
  keyId: string;
  x: string;
  privateKey: CryptoKey;
}

/** A fresh Ed25519 key with its RFC 7638 key id. */
export async function newRunnerKey(): Promise<Omit<TestRunner, "hostId">> {
  const pair = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const { x } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { keyId: await jwkThumbprint({ x: x! }), x: x!, privateKey: pair.privateKey };
}

/** 16 random bytes, base64url (the runner's own nonces). */
export const freshNonce = newNonce;

/**
 * The §2.3 headers for one request; `over` changes a part of what is signed or sent.
 *
 * @example
 * ```ts
 * const headers = await signedHeaders(w, runner, { method: "GET", path, hostId, body: "" });
 * ```
 */
export async function signedHeaders(
  w: OperatorWorld,
  r: Pick<TestRunner, "keyId" | "privateKey">,
  req: { method: string; path: string; hostId: string; body: string; seq?: number | null },
  over: { timestamp?: number; nonce?: string; signPath?: string; signHostId?: string } = {},
): Promise<Record<string, string>> {
  // The runner's own signer; `over` makes it sign something other than what is sent.
  const seconds = over.timestamp ?? Math.floor(w.services.clock.now().getTime() / 1000);
  const headers = await signRequest(
    { hostId: over.signHostId ?? req.hostId, keyId: r.keyId, privateKey: r.privateKey },
    {
      method: req.method,
      path: over.signPath ?? req.path,
      body: new TextEncoder().encode(req.body),
      seq: req.seq,
      now: seconds * 1000,
      nonce: over.nonce,
    },
  );
  return Object.fromEntries(headers);
}

/**
 * Enrolls a new runner key for `hostId` with the enrollment token; asserts 201.
 *
 * @example
 * ```ts
 * const runner = await enrollRunner(w, created.host.id, created.onboarding.runner.token);
 * ```
 */
export async function enrollRunner(
  w: OperatorWorld,
  hostId: string,
  enrollToken: string,
): Promise<TestRunner> {
  const key = await newRunnerKey();
  const body = JSON.stringify({
    publicKeyJwk: { kty: "OKP", crv: "Ed25519", x: key.x },
    runnerVersion: "0.4.1",
    hostname: "web-01",
  });
  const headers = await signedHeaders(w, key, {
    method: "POST",
    path: "/api/agent/enroll",
    hostId,
    body,
  });
  const res = await w.app.request("/api/agent/enroll", {
    method: "POST",
    headers: { authorization: `Bearer ${enrollToken}`, ...JSON_TYPE, ...headers },
    body,
  });
  equal(res.status, 201, await res.clone().text());
  return { ...key, hostId };
}

/**
 * Creates an enrollment token for the host as org A's admin (asserts 201) and returns it.
 *
 * @example
 * ```ts
 * const token = await enrollmentToken(w, hostId, { scopes: ["host.status.read"] });
 * ```
 */
export async function enrollmentToken(
  w: OperatorWorld,
  hostId: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await w.app.request(`/api/hosts/${hostId}/keys`, {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ action: "create-enrollment", ...extra }),
  });
  equal(res.status, 201, await res.clone().text());
  return (await res.json()).secret.token;
}

/**
 * Sends a signed request through the app: a snapshot POST when `seq` is given, else a read.
 *
 * @example
 * ```ts
 * const res = await signedRequest(w, runner, "GET", `/api/hosts/${runner.hostId}/status`);
 * ```
 */
export async function signedRequest(
  w: OperatorWorld,
  r: TestRunner,
  method: string,
  path: string,
  opts: {
    body?: string;
    seq?: number | null;
    over?: Parameters<typeof signedHeaders>[3];
    extraHeaders?: Record<string, string>;
  } = {},
): Promise<Response> {
  const body = opts.body ?? "";
  const headers = await signedHeaders(
    w,
    r,
    { method, path, hostId: r.hostId, body, seq: opts.seq },
    opts.over,
  );
  return await w.app.request(path, {
    method,
    headers: { ...(body ? JSON_TYPE : {}), ...headers, ...opts.extraHeaders },
    ...(body ? { body } : {}),
  });
}
