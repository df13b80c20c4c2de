/**
 * Job tokens of the host channel (agent-protocol §3.2) and key rollover statements (§3.8):
 * compact JWS, EdDSA over Ed25519, signed with npm `jose` and verified with the runner's own
 * `lib/protocol/jws.ts`, so each checks the other. {@link signJob} enforces the claim
 * rules of §3.2 before anything is signed (the runner would refuse a token that breaks them,
 * §3.3 check 10), computes `planHash` with `lib/protocol/jcs.ts`, and lays the claims out in
 * one fixed member order, so the same input always gives the same bytes (Appendix C).
 *
 * @module
 */

import { CompactSign } from "jose";
import { HttpError } from "../fresh/errors.ts";
import { jwkThumbprint } from "../protocol/ed25519.ts";
import { planHash } from "../protocol/jcs.ts";
import { parseCompactJws, verifyCompactJws } from "../protocol/jws.ts";
import {
  claimProblems,
  isNormalizedAbsolutePath,
  JOB_TYP,
  type JobClaims,
  type JobConfirm,
  type JobStep,
  MAX_JOB_LIFETIME_S,
  ROLLOVER_TYP,
} from "../protocol/job.ts";

export type { JobClaims, JobConfirm, JobStep } from "../protocol/job.ts";
export { JOB_TYP, MAX_JOB_LIFETIME_S, ROLLOVER_TYP } from "../protocol/job.ts";

/** The public job-signing key as enrollment and rollover statements publish it (§2.2). */
export interface JobSigningPublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  /** RFC 7638 thumbprint. */
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

/** What signs: the key id and the private key (Web Crypto, Ed25519). */
export interface JobSigner {
  kid: string;
  privateKey: CryptoKey;
}

/** Claims to sign; `planHash` is computed (and, when given, must match). */
export type JobClaimsInput = Omit<JobClaims, "planHash"> & { planHash?: string };

/** The claims of a rollover statement (§3.8). */
export interface KeyRolloverClaims {
  iss: string;
  /** The host the statement is for. */
  aud: string;
  iat: number;
  newKey: JobSigningPublicJwk;
  /** Unix seconds after which the runner drops the old (signing) key. */
  notAfter: number;
}

/** Claims that break §3.2: `400 invalid_claims`, `details.field` = the first problem. */
export class JobClaimsError extends HttpError {
  constructor(readonly problems: string[]) {
    super(400, `Job claims break agent-protocol §3.2: ${problems.join("; ")}`, {
      code: "invalid_claims",
      details: { field: problems[0]?.split(" ")[0] ?? "claims", problems },
    });
    this.name = "JobClaimsError";
  }
}

/** A token that does not verify; `code` says which check failed. */
export class JobTokenError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "JobTokenError";
  }
}

const encoder = new TextEncoder();

/** A step with its members in the protocol's order (and nothing else). */
function orderedStep(step: JobStep): JobStep {
  return {
    id: step.id,
    argv: [...step.argv],
    timeoutMs: step.timeoutMs,
    allowFailure: step.allowFailure,
    maxOutputBytes: step.maxOutputBytes,
  };
}

/**
 * Every §3.2 problem of `claims` ([] when they may be signed): check 10 of §3.3, plus
 * `0 < exp − iat ≤ 900`, absolute normalized `argv[0]` (check 14), and, for `confirm`, an
 * embedded rollback token whose claims say `mode: rollback` and `rollbackOf` = this `jti`.
 *
 * @example
 * ```ts
 * jobClaimProblems({ ...claims, exp: claims.iat + 901 }); // ["exp − iat must be 1-900 s"]
 * ```
 */
export function jobClaimProblems(claims: Record<string, unknown>): string[] {
  const problems = claimProblems(claims);
  const { iat, exp } = claims;
  if (typeof iat === "number" && typeof exp === "number") {
    if (!(exp > iat && exp - iat <= MAX_JOB_LIFETIME_S)) {
      problems.push(`exp − iat must be 1-${MAX_JOB_LIFETIME_S} s`);
    }
  }
  if (Array.isArray(claims.steps)) {
    claims.steps.forEach((step: unknown, i) => {
      const argv0 = (step as { argv?: unknown[] } | null)?.argv?.[0];
      if (typeof argv0 === "string" && !isNormalizedAbsolutePath(argv0)) {
        problems.push(`steps[${i}].argv[0] must be an absolute, normalized path`);
      }
    });
  }
  const confirm = claims.confirm as Partial<JobConfirm> | undefined;
  if (typeof confirm?.rollback === "string") {
    const rollback = parseCompactJws(confirm.rollback);
    if (
      rollback === null || rollback.header.typ !== JOB_TYP ||
      rollback.payload.mode !== "rollback" || rollback.payload.rollbackOf !== claims.jti
    ) {
      problems.push("confirm.rollback must be a rollback job token with rollbackOf = jti");
    }
  }
  return problems;
}

/**
 * The claims with `planHash` computed and members in the protocol's order (`jti, iss, aud, iat,
 * exp, runId, actionId, actionVersion, mode, planHash, steps[, rollbackOf][, confirm]`). Throws
 * {@link JobClaimsError} when they break §3.2 or a given `planHash` differs.
 *
 * @example
 * ```ts
 * const claims = await buildJobClaims({ jti, iss, aud: hostId, iat, exp: iat + 900, runId,
 *   actionId: "ufw-deny-port", actionVersion: 3, mode: "execute", steps });
 * ```
 */
export async function buildJobClaims(input: JobClaimsInput): Promise<JobClaims> {
  const steps = Array.isArray(input.steps) ? input.steps.map(orderedStep) : input.steps;
  const shapeProblems = jobClaimProblems({
    ...input,
    planHash: "0".repeat(64),
    steps,
  } as unknown as Record<string, unknown>);
  if (shapeProblems.length > 0) throw new JobClaimsError(shapeProblems);
  const hash = await planHash({
    actionId: input.actionId,
    actionVersion: input.actionVersion,
    steps,
  });
  if (input.planHash !== undefined && input.planHash !== hash) {
    throw new JobClaimsError([`planHash does not match the steps (expected ${hash})`]);
  }
  return {
    jti: input.jti,
    iss: input.iss,
    aud: input.aud,
    iat: input.iat,
    exp: input.exp,
    runId: input.runId,
    actionId: input.actionId,
    actionVersion: input.actionVersion,
    mode: input.mode,
    planHash: hash,
    steps,
    ...(input.rollbackOf === undefined ? {} : { rollbackOf: input.rollbackOf }),
    ...(input.confirm === undefined
      ? {}
      : { confirm: { windowSec: input.confirm.windowSec, rollback: input.confirm.rollback } }),
  };
}

/**
 * Signs a job: protected header exactly `{"alg":"EdDSA","kid":…,"typ":"vps-sentry-job+jwt"}`,
 * payload the claims of {@link buildJobClaims}. Throws {@link JobClaimsError} before signing
 * when the claims break §3.2.
 *
 * @example
 * ```ts
 * const jws = await signJob({ kid, privateKey }, vectors.job.claims);
 * jws === vectors.job.compactJws; // true with the vector's key
 * ```
 */
export async function signJob(
  key: JobSigner,
  claims: JobClaimsInput,
): Promise<{ jws: string; claims: JobClaims }> {
  const built = await buildJobClaims(claims);
  const jws = await new CompactSign(encoder.encode(JSON.stringify(built)))
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: JOB_TYP })
    .sign(key.privateKey);
  return { jws, claims: built };
}

/**
 * Signs a §3.8 rollover statement with the **old** key: header `{alg: "EdDSA", kid, typ:
 * "vps-sentry-key-rollover+jwt"}`, claims `{iss, aud, iat, newKey, notAfter}`.
 *
 * @example
 * ```ts
 * const statement = await signKeyRollover(oldKey, { iss, aud: hostId, iat, newKey, notAfter });
 * ```
 */
export async function signKeyRollover(key: JobSigner, claims: KeyRolloverClaims): Promise<string> {
  const payload = {
    iss: claims.iss,
    aud: claims.aud,
    iat: claims.iat,
    newKey: claims.newKey,
    notAfter: claims.notAfter,
  };
  return await new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: ROLLOVER_TYP })
    .sign(key.privateKey);
}

/** Checks 1-4 of §3.3 (structure, header, signature, `aud`/`iss` when asked) for `typ`. */
async function verifyCompact(
  jws: string,
  keys: readonly JobSigningPublicJwk[],
  typ: string,
  options: Pick<VerifyJobOptions, "audience" | "issuer">,
): Promise<{ kid: string; payload: Record<string, unknown> }> {
  const parsed = parseCompactJws(jws);
  if (parsed === null) throw new JobTokenError("malformed", "Not a compact JWS of JSON objects.");
  const { alg, kid } = parsed.header;
  if (alg !== "EdDSA" || parsed.header.typ !== typ) {
    throw new JobTokenError("bad_header", `The header must have alg EdDSA and typ ${typ}.`);
  }
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) throw new JobTokenError("unknown_kid", `No trusted key has kid ${String(kid)}.`);
  if (!await verifyCompactJws(parsed, jwk)) {
    throw new JobTokenError("bad_signature", "The signature does not verify.");
  }
  const { payload } = parsed;
  if (options.audience !== undefined && payload.aud !== options.audience) {
    throw new JobTokenError("wrong_audience", "aud is not this host.");
  }
  if (options.issuer !== undefined && payload.iss !== options.issuer) {
    throw new JobTokenError("wrong_issuer", "iss is not the pinned issuer.");
  }
  return { kid: jwk.kid, payload };
}

/** Options of {@link verifyJob}. */
export interface VerifyJobOptions {
  /** Expected `aud` (host id). */
  audience?: string;
  /** Expected `iss`. */
  issuer?: string;
  /** When given, `exp` must be after it. */
  now?: Date;
}

/**
 * Verifies a job token as a runner would (§3.3 checks 1-4, 7, 9-11) against trusted keys and
 * returns its claims; throws {@link JobTokenError} with the failed check's code
 * (`malformed`, `bad_header`, `unknown_kid`, `bad_signature`, `wrong_audience`,
 * `wrong_issuer`, `expired`, `invalid_claims`, `plan_hash_mismatch`).
 *
 * @example
 * ```ts
 * const claims = await verifyJob(jws, [activeKey.publicJwk], { audience: hostId });
 * ```
 */
export async function verifyJob(
  jws: string,
  keys: readonly JobSigningPublicJwk[],
  options: VerifyJobOptions = {},
): Promise<JobClaims> {
  const { payload } = await verifyCompact(jws, keys, JOB_TYP, options);
  if (options.now !== undefined && !(Number(payload.exp) > options.now.getTime() / 1000)) {
    throw new JobTokenError("expired", "The job token has expired.");
  }
  const problems = jobClaimProblems(payload);
  if (problems.length > 0) throw new JobTokenError("invalid_claims", problems.join("; "));
  const claims = payload as unknown as JobClaims;
  const hash = await planHash(claims);
  if (hash !== claims.planHash) {
    throw new JobTokenError("plan_hash_mismatch", "planHash does not match the steps.");
  }
  return claims;
}

/**
 * Verifies a §3.8 rollover statement against the keys a runner pins and returns its claims;
 * throws {@link JobTokenError}.
 *
 * @example
 * ```ts
 * const { newKey, notAfter } = await verifyKeyRollover(statement, [pinnedKey], { audience: hostId });
 * ```
 */
export async function verifyKeyRollover(
  jws: string,
  keys: readonly JobSigningPublicJwk[],
  options: Pick<VerifyJobOptions, "audience" | "issuer"> = {},
): Promise<KeyRolloverClaims> {
  const { payload } = await verifyCompact(jws, keys, ROLLOVER_TYP, options);
  const newKey = payload.newKey as Partial<JobSigningPublicJwk> | undefined;
  if (
    typeof newKey?.x !== "string" || typeof newKey.kid !== "string" ||
    typeof payload.notAfter !== "number" || typeof payload.iat !== "number"
  ) {
    throw new JobTokenError("invalid_claims", "A rollover needs newKey {x, kid}, iat, notAfter.");
  }
  if (await jwkThumbprint({ x: newKey.x }) !== newKey.kid) {
    throw new JobTokenError("invalid_claims", "newKey.kid is not the thumbprint of newKey.");
  }
  return payload as unknown as KeyRolloverClaims;
}
