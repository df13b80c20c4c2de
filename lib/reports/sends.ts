/**
 * `report_sends`: the once-per-period guarantee of scheduled reports. Before sending the report
 * of a period, a run **claims** `(org, period)`: the insert succeeds for exactly one run (the
 * unique index decides between instances); everyone else sees the row and skips. A failed send
 * may be claimed again (at most {@link MAX_SEND_ATTEMPTS} times), and so may a claim left
 * `sending` by a crashed run after {@link STALE_CLAIM_MS}.
 *
 * @module
 */

import type { Selectable } from "kysely";
import { ulid } from "ulid";
import type { ReportSendsTable } from "../db/ledger/schema.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";

/** Attempts per period before the period is given up. */
export const MAX_SEND_ATTEMPTS = 3;
/** A `sending` claim older than this belongs to a run that died: it may be taken over. */
export const STALE_CLAIM_MS = 30 * 60_000;

type Db = Pick<Ledger, "db">;

/** A stored send of one period. */
export interface ReportSend {
  id: string;
  orgId: string;
  periodKey: string;
  state: "sending" | "sent" | "failed";
  attempts: number;
  claimedAt: Date;
  finishedAt: Date | null;
  detail: string | null;
}

/** The outcome of {@link claimReportPeriod}. */
export type ClaimResult =
  | { claimed: true; send: ReportSend }
  | { claimed: false; send: ReportSend };

function toSend(row: Selectable<ReportSendsTable>): ReportSend {
  return {
    id: row.id,
    orgId: row.org_id,
    periodKey: row.period_key,
    state: row.state,
    attempts: Number(row.attempts),
    claimedAt: toDate(row.claimed_at),
    finishedAt: toDateOrNull(row.finished_at),
    detail: row.detail,
  };
}

async function readSend(ledger: Db, orgId: string, periodKey: string): Promise<ReportSend | null> {
  const row = await ledger.db.selectFrom("report_sends").selectAll()
    .where("org_id", "=", orgId).where("period_key", "=", periodKey).executeTakeFirst();
  return row ? toSend(row) : null;
}

/**
 * Claims the period for this run. `claimed: false` when another run has sent it, is sending it
 * or gave up on it.
 *
 * @example
 * ```ts
 * const claim = await claimReportPeriod(ledger, org.id, "daily:2026-11-25", now);
 * if (claim.claimed) { await send(); await finishReportSend(ledger, claim.send.id, "sent", now, "2 deliveries"); }
 * ```
 */
export async function claimReportPeriod(
  ledger: Db,
  orgId: string,
  periodKey: string,
  now: Date,
): Promise<ClaimResult> {
  const id = ulid(now.getTime());
  const inserted = await ledger.db.insertInto("report_sends")
    .values({ id, org_id: orgId, period_key: periodKey, state: "sending", claimed_at: now })
    .onConflict((oc) => oc.columns(["org_id", "period_key"]).doNothing())
    .returning("id").executeTakeFirst();
  const current = await readSend(ledger, orgId, periodKey);
  if (!current) throw new Error(`report_sends row for ${orgId} ${periodKey} vanished`);
  if (inserted?.id === id) return { claimed: true, send: current };
  const retryable = (current.state === "failed" && current.attempts < MAX_SEND_ATTEMPTS) ||
    (current.state === "sending" && now.getTime() - current.claimedAt.getTime() > STALE_CLAIM_MS);
  if (!retryable) return { claimed: false, send: current };
  // Take it over only if nobody else did in between (same state and claim time as read).
  const moved = await ledger.db.updateTable("report_sends")
    .set({ state: "sending", claimed_at: now, attempts: current.attempts + 1, finished_at: null })
    .where("id", "=", current.id).where("state", "=", current.state)
    .where("attempts", "=", current.attempts)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) {
    return { claimed: false, send: (await readSend(ledger, orgId, periodKey)) ?? current };
  }
  return {
    claimed: true,
    send: { ...current, state: "sending", claimedAt: now, attempts: current.attempts + 1 },
  };
}

/**
 * Records how a claimed send ended.
 *
 * @example
 * ```ts
 * await finishReportSend(ledger, claim.send.id, "failed", now, "SMTP refused");
 * ```
 */
export async function finishReportSend(
  ledger: Db,
  id: string,
  state: "sent" | "failed",
  now: Date,
  detail: string,
): Promise<void> {
  await ledger.db.updateTable("report_sends")
    .set({ state, finished_at: now, detail: detail.slice(0, 2000) })
    .where("id", "=", id).execute();
}

/**
 * The organization's latest scheduled sends, newest first (for the reports page).
 *
 * @example
 * ```ts
 * const recent = await recentReportSends(ledger, org.id, 5);
 * ```
 */
export async function recentReportSends(
  ledger: Db,
  orgId: string,
  limit = 10,
): Promise<ReportSend[]> {
  const rows = await ledger.db.selectFrom("report_sends").selectAll()
    .where("org_id", "=", orgId).orderBy("claimed_at", "desc").orderBy("id", "desc")
    .limit(Math.min(Math.max(1, limit), 50)).execute();
  return rows.map(toSend);
}
