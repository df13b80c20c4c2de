/**
 * Job-signing key rollover (agent-protocol §3.8): a `keyRollover` statement in a poll response,
 * signed by a currently pinned key, is verified like a job (checks 1-4 with its own `typ`).
 * Its `newKey` is then pinned too, and the signing key is retired at `notAfter`.
 *
 * @module
 */

import { isEd25519PublicJwk, jwkThumbprint } from "../../lib/protocol/ed25519.ts";
import { ROLLOVER_TYP } from "../../lib/protocol/job.ts";
import { reloadState, type Runtime } from "../runtime.ts";
import { saveState } from "../state.ts";
import { activeKeys, verifyToken } from "./validate.ts";

/** What became of a rollover statement. */
export type RolloverOutcome = "pinned" | "known" | "discarded";

/**
 * Verifies and applies a rollover statement.
 *
 * @example
 * ```ts
 * if (body.keyRollover) await applyRollover(rt, body.keyRollover);
 * ```
 */
export async function applyRollover(rt: Runtime, token: string): Promise<RolloverOutcome> {
  const state = await reloadState(rt);
  const nowS = Math.floor(rt.ctx.now() / 1000);
  const checked = await verifyToken(token, ROLLOVER_TYP, {
    hostId: state.hostId,
    issuer: state.issuer,
    keys: state.jobKeys,
    nowS,
  });
  const discard = (reason: string): RolloverOutcome => {
    rt.ctx.log.warn("key_rollover_discarded", { reason });
    return "discarded";
  };
  if (!checked.ok) return discard(checked.reason);
  const { newKey, notAfter, iat } = checked.claims as Record<string, unknown>;
  if (!Number.isSafeInteger(notAfter) || !Number.isSafeInteger(iat)) {
    return discard("iat and notAfter must be integers");
  }
  const members = newKey as Record<string, unknown> | null;
  if (!isEd25519PublicJwk(newKey) || typeof members?.kid !== "string") {
    return discard("newKey is not an Ed25519 public JWK with kid");
  }
  if (members.d !== undefined) return discard("newKey has d");
  const kid = members.kid;
  if (kid !== await jwkThumbprint(newKey)) return discard("newKey.kid is not its thumbprint");
  if (state.jobKeys.some((k) => k.kid === kid)) return "known";
  state.jobKeys = activeKeys(state.jobKeys, nowS).map((k) =>
    k.kid === checked.key.kid
      ? { ...k, retireAt: Math.min(k.retireAt ?? Infinity, notAfter as number) }
      : k
  );
  state.jobKeys.push({
    kid,
    jwk: { kty: "OKP", crv: "Ed25519", x: newKey.x, kid, alg: "EdDSA", use: "sig" },
    pinnedAt: new Date(rt.ctx.now()).toISOString(),
    retireAt: null,
  });
  await saveState(rt.paths.dir, state);
  rt.ctx.log.info("job_key_pinned", { kid, retiring: checked.key.kid, notAfter });
  return "pinned";
}
