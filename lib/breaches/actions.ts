/**
 * Manual breach actions (ops and above; the route policy checks the role): create, mark
 * fixed, re-open, ignore. Each is one write transaction that changes the row and appends its
 * event; the HTTP layer (`admin.ts`) validates input and audits.
 *
 * @module
 */

import { isUniqueViolation, type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Severity } from "../signals/types.ts";
import {
  type Breach,
  type BreachActor,
  type BreachState,
  changeState,
  insertBreachEvent,
  nextBreachId,
  pgSafe,
  type StateChange,
  toBreach,
} from "./model.ts";

/** A breach an operator records by hand (not derived from a signal). */
export interface NewManualBreach {
  orgId: string;
  hostId: string;
  title: string;
  severity: Severity;
  detail?: string;
  /** Default `manual`. */
  code?: string;
  /** Default `manual|<id>`; give a signal's fingerprint to let snapshots manage it. */
  fingerprint?: string;
  evidence?: Record<string, unknown>;
}

const notFound = () => new HttpError(404, "No such breach.", { code: "not_found" });

function invalidTransition(breach: Breach, to: BreachState): HttpError {
  return new HttpError(409, `The breach is ${breach.state}; it cannot become ${to}.`, {
    code: "invalid_transition",
    details: { state: breach.state },
  });
}

async function lockBreach(
  tx: LedgerTx,
  orgId: string,
  hostId: string,
  breachId: string,
): Promise<Breach> {
  let query = tx.db.selectFrom("breaches").selectAll()
    .where("id", "=", breachId).where("org_id", "=", orgId).where("host_id", "=", hostId);
  if (tx.dialect === "postgres") query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound();
  return toBreach(row);
}

async function reread(tx: LedgerTx, id: string): Promise<Breach> {
  return toBreach(
    await tx.db.selectFrom("breaches").selectAll().where("id", "=", id).executeTakeFirstOrThrow(),
  );
}

/**
 * Records a breach by hand, `open`. 409 `breach_exists` when the host already has one with
 * that fingerprint (act on that one instead).
 *
 * @example
 * ```ts
 * const breach = await createManualBreach(ledger, { orgId, hostId, title: "Leaked key", severity: "high" },
 *   { type: "user", id: userId }, now);
 * ```
 */
export async function createManualBreach(
  ledger: LedgerTx,
  input: NewManualBreach,
  actor: BreachActor,
  now: Date,
): Promise<Breach> {
  const id = nextBreachId(now.getTime());
  try {
    return await writeTransaction(ledger, async (tx) => {
      await tx.db.insertInto("breaches").values({
        id,
        org_id: input.orgId,
        host_id: input.hostId,
        fingerprint: pgSafe(input.fingerprint ?? `manual|${id}`),
        code: pgSafe(input.code ?? "manual"),
        severity: input.severity,
        title: pgSafe(input.title),
        detail: pgSafe(input.detail ?? ""),
        evidence: input.evidence === undefined ? null : pgSafe(JSON.stringify(input.evidence)),
        state: "open",
        opened_at: now,
        last_seen_at: now,
        checked_at: null,
        state_changed_at: now,
        reopen_count: 0,
        created_by: actor.id,
      }).execute();
      await insertBreachEvent(tx, { id, orgId: input.orgId }, null, {
        to: "open",
        actor,
        now,
        reason: "created by hand",
      });
      return await reread(tx, id);
    });
  } catch (error) {
    if (isUniqueViolation(error, "fingerprint")) {
      throw new HttpError(409, "This host already has a breach with that fingerprint.", {
        code: "breach_exists",
        details: { field: "fingerprint" },
      });
    }
    throw error;
  }
}

/** Which breach to act on, and who acts. */
export interface BreachTarget {
  orgId: string;
  hostId: string;
  breachId: string;
  actor: BreachActor;
  now: Date;
}

/**
 * Marks a breach fixed (from open, mitigated or ignored; 409 when already fixed). A later
 * snapshot that still shows the finding re-opens it.
 *
 * @example
 * ```ts
 * await markBreachFixed(ledger, { orgId, hostId, breachId, actor, now }, "closed port 6379");
 * ```
 */
export function markBreachFixed(
  ledger: LedgerTx,
  target: BreachTarget,
  reason?: string,
): Promise<Breach> {
  return transition(ledger, target, "fixed", reason ?? "marked fixed", () => ({
    fixed_at: target.now,
    ignored_until: null,
  }));
}

/**
 * Re-opens a fixed, mitigated or ignored breach (409 when open).
 *
 * @example
 * ```ts
 * await reopenBreach(ledger, { orgId, hostId, breachId, actor, now }, "fix did not hold");
 * ```
 */
export function reopenBreach(
  ledger: LedgerTx,
  target: BreachTarget,
  reason?: string,
): Promise<Breach> {
  return transition(ledger, target, "open", reason ?? "re-opened", (breach) => ({
    fixed_at: null,
    ignored_until: null,
    reopen_count: breach.reopenCount + 1,
  }));
}

/** A manual move to `to` under the breach's row lock; 409 when it is there already. */
function transition(
  ledger: LedgerTx,
  target: BreachTarget,
  to: BreachState,
  reason: string,
  set: (breach: Breach) => StateChange["set"],
): Promise<Breach> {
  return writeTransaction(ledger, async (tx) => {
    const breach = await lockBreach(tx, target.orgId, target.hostId, target.breachId);
    if (breach.state === to) throw invalidTransition(breach, to);
    await changeState(tx, breach, {
      to,
      actor: target.actor,
      now: target.now,
      reason,
      set: set(breach),
    });
    return await reread(tx, breach.id);
  });
}

/**
 * Ignores a breach with a reason, until `until` (wall clock) or for good. Ignoring an ignored
 * breach again replaces its reason and expiry. While ignored, snapshots refresh it but never
 * re-open it; after the expiry, presence re-opens it.
 *
 * @example
 * ```ts
 * await ignoreBreach(ledger, target, { reason: "accepted risk", until: new Date(now.getTime() + 86_400_000) });
 * ```
 */
export function ignoreBreach(
  ledger: LedgerTx,
  target: BreachTarget,
  input: { reason: string; until?: Date | null },
): Promise<Breach> {
  return writeTransaction(ledger, async (tx) => {
    const breach = await lockBreach(tx, target.orgId, target.hostId, target.breachId);
    const reason = pgSafe(input.reason).slice(0, 1000);
    await changeState(tx, breach, {
      to: "ignored",
      actor: target.actor,
      now: target.now,
      reason,
      set: { ignored_until: input.until ?? null, ignore_reason: reason },
    });
    return await reread(tx, breach.id);
  });
}
