/**
 * Enrollment (agent-protocol §2.2): generate an Ed25519 key pair, prove possession by signing
 * `POST /api/agent/enroll` with it, and store what the control plane answers: the pinned
 * `issuer` and job-signing key, and `nextSeq`.
 *
 * The new key is written to `key.pending.json` before the request, so a retry after a lost
 * response reuses it and gets the server's idempotent `200`. A `jobSigningKey` of `null` (a
 * control plane without a job channel yet) is accepted for signed ingest; `run` then refuses to
 * start until the runner is re-enrolled with a key. With `--job-key-id`, anything but a key
 * with exactly that `kid` is an error and the new key is deleted.
 *
 * @module
 */

import { isEd25519PublicJwk, jwkThumbprint } from "../lib/protocol/ed25519.ts";
import type { RunnerContext } from "./context.ts";
import { readJsonFile, writeJsonAtomic } from "./fsutil.ts";
import { signedCall } from "./http.ts";
import { type GeneratedKey, generateRunnerKey, signerFromJwk } from "./sign.ts";
import {
  initStateDir,
  loadSeq,
  loadState,
  type PinnedKey,
  type RunnerState,
  saveKey,
  saveSeq,
  saveState,
} from "./state.ts";
import { RUNNER_VERSION } from "./version.ts";

/** Enrollment input (the operator's install command). */
export interface EnrollInput {
  baseUrl: string;
  hostId: string;
  /** The one-time enrollment token `vs<n>_…`. */
  token: string;
  /** Out-of-band pin of the job-signing key id. */
  jobKeyId?: string;
  /** Defaults to the host name. */
  hostname?: string;
}

/** Enrollment failed; `code` is the control plane's `error.code` when it answered. */
export class EnrollError extends Error {
  override name = "EnrollError";
  constructor(message: string, readonly code: string | null = null) {
    super(message);
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Checks the base URL: `https`, or `http` to a loopback address only (§0).
 *
 * @example
 * ```ts
 * checkBaseUrl("http://127.0.0.1:8000"); // "http://127.0.0.1:8000"
 * ```
 */
export function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EnrollError(`--base-url ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new EnrollError("--base-url must not carry a query, fragment or credentials");
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.test(url.hostname))) {
    return url.origin + url.pathname.replace(/\/+$/, "");
  }
  throw new EnrollError("--base-url must be https (plain http is allowed only to loopback)");
}

interface PendingKey extends GeneratedKey {
  baseUrl: string;
  hostId: string;
  createdAt: string;
}

function pinnedKeyOf(raw: unknown, now: string): PinnedKey {
  const k = raw as Record<string, unknown>;
  if (!isEd25519PublicJwk(raw) || typeof k.kid !== "string" || "d" in k) {
    throw new EnrollError("the control plane's jobSigningKey is not an Ed25519 public JWK");
  }
  return {
    kid: k.kid,
    jwk: { kty: "OKP", crv: "Ed25519", x: raw.x, kid: k.kid, alg: "EdDSA", use: "sig" },
    pinnedAt: now,
    retireAt: null,
  };
}

/**
 * Enrolls the runner and stores its state; returns it.
 *
 * @example
 * ```ts
 * const state = await enroll(ctx, { baseUrl, hostId, token: "vs2_…" });
 * ```
 */
export async function enroll(ctx: RunnerContext, input: EnrollInput): Promise<RunnerState> {
  const baseUrl = checkBaseUrl(input.baseUrl);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(input.hostId)) {
    throw new EnrollError("--host-id must be 1-64 characters [A-Za-z0-9_-]");
  }
  if (!/^vs[1-9][0-9]{0,3}_[A-Za-z0-9_-]{32}$/.test(input.token)) {
    throw new EnrollError("--token must be an enrollment token vs<n>_<32 characters>");
  }
  const paths = await initStateDir(ctx.config.stateDir);
  const previous = await readJsonFile(paths.pendingKey) as PendingKey | null;
  const key: PendingKey = previous?.baseUrl === baseUrl && previous.hostId === input.hostId
    ? previous
    : {
      ...(await generateRunnerKey()),
      baseUrl,
      hostId: input.hostId,
      createdAt: new Date(ctx.now()).toISOString(),
    };
  await writeJsonAtomic(paths.pendingKey, key);

  let hostname = input.hostname;
  if (hostname === undefined) {
    try {
      hostname = Deno.hostname();
    } catch {
      hostname = undefined;
    }
  }
  const body = new TextEncoder().encode(JSON.stringify({
    publicKeyJwk: key.publicJwk,
    runnerVersion: RUNNER_VERSION,
    ...(hostname ? { hostname } : {}),
  }));
  const signer = await signerFromJwk(input.hostId, key.keyId, key.privateJwk);
  let out;
  for (let attempt = 0;; attempt++) {
    out = await signedCall(ctx, {
      baseUrl,
      signer,
      method: "POST",
      path: "/api/agent/enroll",
      body,
      headers: { authorization: `Bearer ${input.token}` },
    });
    if (out.kind === "ok" || out.kind === "rejected" || attempt >= 2) break;
    const wait = out.kind === "rate_limited" ? out.waitMs : 1000 * 2 ** attempt;
    ctx.log.warn("enroll_retry", { wait, reason: out.kind === "retry" ? out.reason : "429" });
    await ctx.sleep(wait);
  }
  if (out.kind === "rejected") {
    const message = (out.body.error as { message?: unknown } | undefined)?.message;
    throw new EnrollError(
      `enrollment refused: ${out.status} ${out.code}${message ? ` (${message})` : ""}`,
      out.code,
    );
  }
  if (out.kind !== "ok") {
    throw new EnrollError(
      `enrollment did not complete (${out.kind === "retry" ? out.reason : "rate limited"}); ` +
        "run the same command again: the key is kept and the retry is idempotent",
    );
  }
  const res = out.body;
  const now = new Date(ctx.now()).toISOString();
  if (res.keyId !== key.keyId || res.hostId !== input.hostId || typeof res.issuer !== "string") {
    throw new EnrollError("the enrollment response does not match the request");
  }
  const jobKey = res.jobSigningKey === null || res.jobSigningKey === undefined
    ? null
    : pinnedKeyOf(res.jobSigningKey, now);
  if (jobKey && jobKey.kid !== await jwkThumbprint(jobKey.jwk)) {
    throw new EnrollError("jobSigningKey.kid is not the thumbprint of the key");
  }
  if (input.jobKeyId !== undefined && jobKey?.kid !== input.jobKeyId) {
    await Deno.remove(paths.pendingKey).catch(() => {});
    throw new EnrollError(
      `the control plane's job-signing key (${jobKey?.kid ?? "none"}) is not the expected ` +
        `--job-key-id ${input.jobKeyId}; the new key was deleted. Check the console's URL and ` +
        "the install command.",
      "job_key_mismatch",
    );
  }
  const nextSeq = Number.isSafeInteger(res.nextSeq) && (res.nextSeq as number) >= 1
    ? res.nextSeq as number
    : 1;
  const seq = await loadSeq(paths.dir);
  // A re-enrollment keeps undelivered spooled snapshots: never reuse a seq they hold.
  seq.nextSeq = (await loadState(paths.dir).catch(() => null))
    ? Math.max(seq.nextSeq, nextSeq)
    : nextSeq;
  const state: RunnerState = {
    version: 1,
    baseUrl,
    hostId: input.hostId,
    keyId: key.keyId,
    issuer: res.issuer,
    scopes: Array.isArray(res.scopes)
      ? (res.scopes as unknown[]).filter((s): s is string => typeof s === "string")
      : [],
    jobKeys: jobKey ? [jobKey] : [],
    enrolledAt: now,
    stopped: null,
  };
  await saveKey(paths.dir, { keyId: key.keyId, privateJwk: key.privateJwk });
  await saveSeq(paths.dir, seq);
  await saveState(paths.dir, state);
  await Deno.remove(paths.pendingKey).catch(() => {});
  ctx.log.info("enrolled", {
    hostId: state.hostId,
    keyId: state.keyId,
    issuer: state.issuer,
    jobKey: jobKey?.kid ?? null,
    nextSeq: seq.nextSeq,
  });
  if (!jobKey) {
    ctx.log.warn("no_job_signing_key", {
      message: "The control plane gave no job-signing key: signed snapshots work, `run` " +
        "refuses to start until the runner is re-enrolled with one.",
    });
  }
  return state;
}
