/**
 * Commit-confirm on the runner (agent-protocol §3.7, dead-man): after a succeeded execute job
 * that carried `confirm`, its embedded rollback is armed on disk with the deadline
 * `finishedAt + windowSec + 30 s`. It is disarmed when the execute `jti` shows up in `confirmed`
 * (poll) or `confirmedJobs` (snapshot response), or when the same rollback runs; still armed at
 * the deadline, the runner runs it itself. The ledger keeps it at most once either way.
 *
 * @module
 */

import { readJsonFile, syncDir, writeJsonAtomic } from "../fsutil.ts";
import type { Runtime } from "../runtime.ts";

/** An armed rollback. */
export interface Armed {
  executeJti: string;
  rollbackJti: string;
  /** The compact JWS from `confirm.rollback`. */
  rollbackToken: string;
  /** ms since the epoch. */
  deadline: number;
  armedAt: string;
}

const pathOf = (rt: Pick<Runtime, "paths">, executeJti: string) =>
  `${rt.paths.armed}/${executeJti}.json`;

/**
 * Arms a rollback durably.
 *
 * @example
 * ```ts
 * await arm(rt, { executeJti, rollbackJti, rollbackToken, deadline, armedAt });
 * ```
 */
export async function arm(rt: Runtime, armed: Armed): Promise<void> {
  await writeJsonAtomic(pathOf(rt, armed.executeJti), armed);
  rt.ctx.log.info("rollback_armed", {
    executeJti: armed.executeJti,
    rollbackJti: armed.rollbackJti,
    deadline: new Date(armed.deadline).toISOString(),
  });
}

/**
 * Every armed rollback, earliest deadline first.
 *
 * @example
 * ```ts
 * const due = (await listArmed(rt)).filter((a) => a.deadline <= Date.now());
 * ```
 */
export async function listArmed(rt: Pick<Runtime, "paths">): Promise<Armed[]> {
  const out: Armed[] = [];
  try {
    for await (const e of Deno.readDir(rt.paths.armed)) {
      if (!e.isFile || e.name.startsWith(".") || !e.name.endsWith(".json")) continue;
      const a = await readJsonFile(`${rt.paths.armed}/${e.name}`).catch(() => null);
      if (a) out.push(a as Armed);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort((a, b) => a.deadline - b.deadline);
}

/**
 * Disarms the rollbacks of confirmed execute jobs (unknown jtis are ignored).
 *
 * @example
 * ```ts
 * await disarmConfirmed(rt, body.confirmed);
 * ```
 */
export async function disarmConfirmed(rt: Runtime, executeJtis: readonly string[]): Promise<void> {
  for (const jti of executeJtis) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(jti)) continue;
    try {
      await Deno.remove(pathOf(rt, jti));
      rt.ctx.log.info("rollback_disarmed", { executeJti: jti, reason: "confirmed" });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  await syncDir(rt.paths.armed);
}

/**
 * Disarms the rollback of `executeJti` because the rollback itself ran (`reason` is logged).
 *
 * @example
 * ```ts
 * await disarm(rt, claims.rollbackOf, "rollback_ran");
 * ```
 */
export async function disarm(rt: Runtime, executeJti: string, reason: string): Promise<void> {
  try {
    await Deno.remove(pathOf(rt, executeJti));
    await syncDir(rt.paths.armed);
    rt.ctx.log.info("rollback_disarmed", { executeJti, reason });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
