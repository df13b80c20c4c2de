/**
 * Job token validation, exactly in the order of agent-protocol §3.3. Checks 1-4 failing
 * discards the token (its `jti` cannot be trusted, so nothing is reported); check 5 skips a
 * `jti` already in the ledger; check 6 records it; from there on every failure is a refusal
 * with its code. All steps are validated before any runs.
 *
 * @module
 */

import { parseCompactJws, type ParsedJws, verifyCompactJws } from "../../lib/protocol/jws.ts";
import { planHash } from "../../lib/protocol/jcs.ts";
import {
  claimProblems,
  isNormalizedAbsolutePath,
  JOB_TYP,
  type JobClaims,
  type JobMode,
  JTI_PATTERN,
  MAX_IAT_AHEAD_S,
  MAX_JOB_LIFETIME_S,
  type RefusalCode,
} from "../../lib/protocol/job.ts";
import type { PinnedKey } from "../state.ts";
import { type Allowlist, executableProblem, loadAllowlist } from "./allowlist.ts";
import type { JobLedger, LedgerEntry } from "./ledger.ts";

/** What validation needs. */
export interface ValidationEnv {
  hostId: string;
  issuer: string;
  keys: readonly PinnedKey[];
  /** Unix seconds. */
  nowS: number;
  killSwitchPath: string;
  allowlistPath: string;
  trustedUid: number;
  ledger: JobLedger;
}

/** The outcome of validating one token. */
export type Verdict =
  | { kind: "discard"; reason: string }
  | { kind: "skip"; jti: string; entry: LedgerEntry }
  | {
    kind: "refuse";
    jti: string;
    code: RefusalCode;
    detail: string;
    claims: Record<string, unknown>;
  }
  | { kind: "accept"; claims: JobClaims; rollback: { token: string; jti: string } | null };

/** Checks 1-4 passed: the verified token and its claims. */
export type TokenCheck =
  | { ok: true; parsed: ParsedJws; claims: Record<string, unknown>; key: PinnedKey }
  | { ok: false; reason: string };

/**
 * The pinned keys usable at `nowS` (a rolled-over key stops at its `retireAt`).
 *
 * @example
 * ```ts
 * activeKeys(state.jobKeys, nowS).map((k) => k.kid);
 * ```
 */
export function activeKeys(keys: readonly PinnedKey[], nowS: number): PinnedKey[] {
  return keys.filter((k) => k.retireAt === null || k.retireAt > nowS);
}

/**
 * Checks 1-4 of §3.3 for a token of type `typ` (jobs and rollover statements): structure,
 * header (`alg` EdDSA, `typ`, a pinned `kid`), the signature over the received bytes, and
 * `aud`/`iss`.
 *
 * @example
 * ```ts
 * const checked = await verifyToken(jws, JOB_TYP, env);
 * ```
 */
export async function verifyToken(
  token: string,
  typ: string,
  env: Pick<ValidationEnv, "hostId" | "issuer" | "keys" | "nowS">,
): Promise<TokenCheck> {
  const parsed = parseCompactJws(token);
  if (!parsed) return { ok: false, reason: "1: not a compact JWS with JSON object parts" };
  const { header, payload } = parsed;
  if (header.alg !== "EdDSA") return { ok: false, reason: `2: alg ${JSON.stringify(header.alg)}` };
  if (header.typ !== typ) return { ok: false, reason: `2: typ ${JSON.stringify(header.typ)}` };
  const key = activeKeys(env.keys, env.nowS).find((k) => k.kid === header.kid);
  if (!key) return { ok: false, reason: `2: kid ${JSON.stringify(header.kid)} is not pinned` };
  if (!await verifyCompactJws(parsed, key.jwk)) return { ok: false, reason: "3: bad signature" };
  if (payload.aud !== env.hostId) {
    return { ok: false, reason: `4: aud ${JSON.stringify(payload.aud)} is not this host` };
  }
  if (payload.iss !== env.issuer) {
    return { ok: false, reason: `4: iss ${JSON.stringify(payload.iss)} is not the pinned issuer` };
  }
  return { ok: true, parsed, claims: payload, key };
}

/** A refusal code with the reason logged beside it. */
export interface Refusal {
  code: RefusalCode;
  detail: string;
}

/**
 * Checks 7-11: expiry, `iat` not ahead, lifetime, claim rules, plan hash. A non-integer `exp` or
 * `iat` cannot be compared and is refused `invalid_claims` where it is first needed.
 *
 * @example
 * ```ts
 * await timeAndClaimChecks(claims, nowS); // null when they pass
 * ```
 */
export async function timeAndClaimChecks(
  c: Record<string, unknown>,
  nowS: number,
): Promise<Refusal | null> {
  const int = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
  if (!int(c.exp)) return { code: "invalid_claims", detail: "exp is not an integer" };
  if (!(c.exp > nowS)) return { code: "expired", detail: `exp ${c.exp} ≤ now ${nowS}` };
  if (!int(c.iat)) return { code: "invalid_claims", detail: "iat is not an integer" };
  if (c.iat > nowS + MAX_IAT_AHEAD_S) {
    return { code: "not_yet_valid", detail: `iat ${c.iat} > now ${nowS} + ${MAX_IAT_AHEAD_S}` };
  }
  if (c.exp - c.iat > MAX_JOB_LIFETIME_S) {
    return { code: "lifetime_too_long", detail: `exp − iat = ${c.exp - c.iat} s` };
  }
  const problems = claimProblems(c);
  if (problems.length > 0) return { code: "invalid_claims", detail: problems.join("; ") };
  const hash = await planHash({
    actionId: c.actionId as string,
    actionVersion: c.actionVersion as number,
    steps: c.steps as unknown[],
  });
  if (hash !== c.planHash) {
    return { code: "plan_hash_mismatch", detail: `recomputed ${hash}` };
  }
  return null;
}

/**
 * Checks 14-17 for every step: `argv[0]` absolute and normalized, listed byte for byte, its
 * entry permits `mode`, and (symlinks resolved) a trusted executable.
 *
 * @example
 * ```ts
 * await programChecks(claims.steps, claims.mode, allowlist, 0); // null when they pass
 * ```
 */
export async function programChecks(
  steps: readonly { argv: readonly string[] }[],
  mode: JobMode,
  allowlist: Allowlist,
  trustedUid: number,
): Promise<Refusal | null> {
  const programs = steps.map((s) => s.argv[0]);
  const relative = programs.find((p) => !isNormalizedAbsolutePath(p));
  if (relative !== undefined) {
    return { code: "argv_not_absolute", detail: `${JSON.stringify(relative)}` };
  }
  const unlisted = programs.find((p) => !allowlist.has(p));
  if (unlisted !== undefined) return { code: "argv_not_allowlisted", detail: unlisted };
  const notForMode = programs.find((p) => !allowlist.get(p)!.has(mode));
  if (notForMode !== undefined) {
    return { code: "mode_not_allowed", detail: `${notForMode} is not allowed for ${mode}` };
  }
  for (const program of new Set(programs)) {
    const problem = await executableProblem(program, trustedUid);
    if (problem) return { code: "executable_untrusted", detail: problem };
  }
  return null;
}

/**
 * Validates one job token, checks 1-18 of §3.3, writing the ledger at check 6. Check 19 (ledger
 * `started`, then execute) is the caller's.
 *
 * @example
 * ```ts
 * const verdict = await validateJob(jws, env);
 * if (verdict.kind === "accept") await execute(verdict.claims);
 * ```
 */
export async function validateJob(token: string, env: ValidationEnv): Promise<Verdict> {
  const checked = await verifyToken(token, JOB_TYP, env);
  if (!checked.ok) return { kind: "discard", reason: checked.reason };
  const c = checked.claims;

  // 5-6: the ledger.
  if (typeof c.jti !== "string" || !JTI_PATTERN.test(c.jti)) {
    return { kind: "discard", reason: "5: jti is not well-formed" };
  }
  const jti = c.jti;
  const seen = await env.ledger.get(jti);
  if (seen) return { kind: "skip", jti, entry: seen };
  await env.ledger.put({
    jti,
    phase: "received",
    receivedAt: new Date(env.nowS * 1000).toISOString(),
    exp: Number.isSafeInteger(c.exp) ? c.exp as number : null,
    mode: typeof c.mode === "string" ? c.mode : null,
    startedAt: null,
    steps: [],
    result: null,
  });
  const refuse = (r: Refusal): Verdict => ({ kind: "refuse", jti, ...r, claims: c });

  // 7-11.
  const claimRefusal = await timeAndClaimChecks(c, env.nowS);
  if (claimRefusal) return refuse(claimRefusal);
  const claims = c as unknown as JobClaims;

  // 12: the kill switch.
  const disabled = await Deno.lstat(env.killSwitchPath).then(() => true, () => false);
  if (disabled) {
    return refuse({ code: "jobs_disabled", detail: `${env.killSwitchPath} exists` });
  }

  // 13: the allowlist.
  const loaded = await loadAllowlist(env.allowlistPath, env.trustedUid);
  if (!loaded.ok) return refuse({ code: "allowlist_unavailable", detail: loaded.problem });

  // 14-17.
  const programRefusal = await programChecks(
    claims.steps,
    claims.mode,
    loaded.allowlist,
    env.trustedUid,
  );
  if (programRefusal) return refuse(programRefusal);

  // 18: the embedded commit-confirm rollback.
  if (claims.confirm === undefined) return { kind: "accept", claims, rollback: null };
  const confirmRefusal = await confirmCheck(claims, env, loaded.allowlist);
  if (typeof confirmRefusal === "string") {
    return refuse({ code: "confirm_window_unsatisfiable", detail: confirmRefusal });
  }
  return { kind: "accept", claims, rollback: confirmRefusal };
}

/** Check 18: the rollback JWS of `confirm`, or why it cannot be armed. */
async function confirmCheck(
  claims: JobClaims,
  env: ValidationEnv,
  allowlist: Allowlist,
): Promise<{ token: string; jti: string } | string> {
  const confirm = claims.confirm!;
  const checked = await verifyToken(confirm.rollback, JOB_TYP, env);
  if (!checked.ok) return `rollback token: check ${checked.reason}`;
  const r = checked.claims;
  const refusal = await timeAndClaimChecks(r, env.nowS);
  if (refusal) return `rollback token: ${refusal.code} (${refusal.detail})`;
  const rollback = r as unknown as JobClaims;
  const programRefusal = await programChecks(
    rollback.steps,
    rollback.mode,
    allowlist,
    env.trustedUid,
  );
  if (programRefusal) return `rollback token: ${programRefusal.code} (${programRefusal.detail})`;
  if (rollback.mode !== "rollback") return `rollback token has mode ${rollback.mode}`;
  if (rollback.rollbackOf !== claims.jti) return "rollback token: rollbackOf is not this jti";
  const stepsS = claims.steps.reduce((n, s) => n + s.timeoutMs, 0) / 1000;
  const latest = env.nowS + stepsS + confirm.windowSec + 30;
  if (latest > rollback.exp) {
    return `now + Σ timeouts (${stepsS} s) + window (${confirm.windowSec} s) + 30 > rollback exp`;
  }
  return { token: confirm.rollback, jti: rollback.jti };
}
