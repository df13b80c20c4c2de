/**
 * Sequence numbers of signed snapshots (agent-protocol §2.6). `hosts.last_seq` is the host's
 * `lastAcceptedSeq`; it advances by a compare-and-set inside the same ledger transaction that
 * stores the snapshot (`storeSnapshot`'s `sequence` hook), so two concurrent posts can never
 * both advance it and a refused post stores nothing. A gap is accepted and recorded as a
 * `snapshot_gap` signal on that snapshot. Follow-up: a later snapshot whose `runner.lost` covers
 * a recorded gap marks it explained (`low`); the heartbeat sweep raises gaps still unexplained
 * after 30 minutes to `high`.
 *
 * @module
 */

import type { Ledger } from "../db/ledger/mod.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Signal } from "../signals/types.ts";
import { counted } from "../text/plural.ts";

/** Seqs the runner created but the server never received: `{missing, fromSeq, toSeq}`. */
export interface SequenceGap {
  missing: number;
  fromSeq: number;
  toSeq: number;
}

/** One `runner.lost` range of the snapshot body (§2.5). */
export interface LostRange {
  from: number;
  to: number;
  reason: string;
}

/** Thrown by a claim whose expected `lastAcceptedSeq` moved meanwhile: recompute and retry. */
export class SequenceMoved extends Error {
  constructor() {
    super("lastAcceptedSeq moved during the store; retry with the new value");
    this.name = "SequenceMoved";
  }
}

const asSeq = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * The host's `lastAcceptedSeq`, or null before its first signed snapshot.
 *
 * @example
 * ```ts
 * const nextSeq = ((await lastAcceptedSeq(ledger, host.id)) ?? 0) + 1;
 * ```
 */
export async function lastAcceptedSeq(
  ledger: Pick<Ledger, "db">,
  hostId: string,
): Promise<number | null> {
  const row = await ledger.db.selectFrom("hosts").select("last_seq").where("id", "=", hostId)
    .executeTakeFirst();
  return asSeq(row?.last_seq);
}

/**
 * `409 stale_seq` for `seq ≤ lastAcceptedSeq`, with `details: {lastAcceptedSeq, duplicate}`;
 * `duplicate` when `seq` equals it and the body hash equals that snapshot's (only the response
 * of the earlier attempt was lost).
 *
 * @example
 * ```ts
 * await assertFreshSeq(ledger, host.id, 42, bodySha256, last);
 * ```
 */
export async function assertFreshSeq(
  ledger: Pick<Ledger, "db">,
  hostId: string,
  seq: number,
  bodySha256: string,
  last: number | null,
): Promise<void> {
  if (last === null || seq > last) return;
  let duplicate = false;
  if (seq === last) {
    const row = await ledger.db.selectFrom("snapshots").select("payload_hash")
      .where("host_id", "=", hostId).where("seq", "=", seq).executeTakeFirst();
    duplicate = row?.payload_hash === bodySha256;
  }
  throw new HttpError(
    409,
    `X-Sentry-Seq ${seq} is not above the last accepted ${last}; drop this snapshot ` +
      (duplicate ? "(it was stored already)." : "(it is stale)."),
    { code: "stale_seq", details: { lastAcceptedSeq: last, duplicate } },
  );
}

/**
 * The gap before `seq`, or null when `seq` follows `last` directly (or is the host's first).
 *
 * @example
 * ```ts
 * sequenceGap(40, 43); // { missing: 2, fromSeq: 41, toSeq: 42 }
 * ```
 */
export function sequenceGap(last: number | null, seq: number): SequenceGap | null {
  if (last === null || seq <= last + 1) return null;
  return { missing: seq - last - 1, fromSeq: last + 1, toSeq: seq - 1 };
}

/**
 * `runner.lost` of a snapshot body, keeping only well-formed ranges (at most 32).
 *
 * @example
 * ```ts
 * runnerLost({ runner: { lost: [{ from: 118, to: 119, reason: "spool_overflow" }] } });
 * ```
 */
export function runnerLost(body: unknown): LostRange[] {
  const lost = (body as { runner?: { lost?: unknown } } | null)?.runner?.lost;
  if (!Array.isArray(lost)) return [];
  return lost.slice(-32).filter((r): r is LostRange =>
    typeof r === "object" && r !== null && Number.isSafeInteger(r.from) &&
    Number.isSafeInteger(r.to) && r.from <= r.to && typeof r.reason === "string"
  );
}

/** What explains a gap (§2.6): the `runner.lost` reason family that covers it. */
export type GapExplanation = "spool_overflow" | "rejected";

/**
 * What explains the whole gap, or null when `lost` ranges leave any of its seqs uncovered (or
 * the gap is too large to check, over 10,000). `spool_overflow` wins when both reasons occur.
 *
 * @example
 * ```ts
 * gapExplanation({ fromSeq: 5, toSeq: 6 }, [{ from: 5, to: 6, reason: "spool_overflow" }]); // "spool_overflow"
 * gapExplanation({ fromSeq: 5, toSeq: 7 }, [{ from: 5, to: 6, reason: "spool_overflow" }]); // null
 * ```
 */
export function gapExplanation(
  gap: Pick<SequenceGap, "fromSeq" | "toSeq">,
  lost: readonly LostRange[],
): GapExplanation | null {
  if (gap.toSeq - gap.fromSeq >= 10_000 || lost.length === 0) return null;
  const reasons = new Set<string>();
  for (let s = gap.fromSeq; s <= gap.toSeq; s++) {
    const r = lost.find((range) => range.from <= s && s <= range.to);
    if (!r) return null;
    reasons.add(r.reason.startsWith("rejected") ? "rejected" : r.reason);
  }
  return reasons.has("spool_overflow") ? "spool_overflow" : "rejected";
}

/**
 * The `snapshot_gap` signal: `medium`, or `low` with `explainedBy` when `lost` ranges cover the
 * whole gap (§2.6).
 *
 * @example
 * ```ts
 * const signal = gapSignal({ missing: 2, fromSeq: 41, toSeq: 42 }, [], parsed.ts);
 * ```
 */
export function gapSignal(gap: SequenceGap, lost: readonly LostRange[], ts: string): Signal {
  const explainedBy = gapExplanation(gap, lost) ?? undefined;
  return {
    code: "snapshot_gap",
    severity: explainedBy ? "low" : "medium",
    title: `Snapshots ${gap.fromSeq}-${gap.toSeq} never arrived`,
    detail:
      `${counted(gap.missing, "snapshot")} missing between sequence numbers ${gap.fromSeq} and ` +
      `${gap.toSeq}` + (explainedBy ? ` (explained by the runner: ${explainedBy})` : ""),
    ts,
    source: "ingest",
    fingerprint: `snapshot_gap|${gap.fromSeq}-${gap.toSeq}`,
    evidence: { ...gap, ...(explainedBy ? { explainedBy } : {}) },
  };
}

/**
 * The compare-and-set that advances `lastAcceptedSeq` from `expectedLast` to `seq`, for
 * `storeSnapshot`'s `sequence` option (it runs inside the store's transaction). Throws
 * `409 stale_seq` when another post got to or past `seq` first, {@link SequenceMoved} when it
 * moved below `seq` (the caller recomputes the gap and retries).
 *
 * @example
 * ```ts
 * await storeSnapshot(services, { host, parsed, signals, now, sequence: sequenceClaim(host.id, 42, 41, hash) });
 * ```
 */
export function sequenceClaim(
  hostId: string,
  seq: number,
  expectedLast: number | null,
  bodySha256: string,
): { seq: number; claim: (tx: LedgerTx) => Promise<void> } {
  return {
    seq,
    async claim(tx) {
      const res = await tx.db.updateTable("hosts").set({ last_seq: seq })
        .where("id", "=", hostId)
        .where((eb) =>
          expectedLast === null ? eb("last_seq", "is", null) : eb("last_seq", "=", expectedLast)
        )
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return;
      const now = await lastAcceptedSeq(tx, hostId);
      await assertFreshSeq(tx, hostId, seq, bodySha256, now);
      throw new SequenceMoved();
    },
  };
}

/** How long a gap may stay unexplained before it is raised to `high` (§2.6). */
export const GAP_ESCALATE_AFTER_MS = 30 * 60_000;
/** Recorded gaps a later snapshot is checked against: `runner.lost` lists only the last 32. */
const OPEN_GAPS_CHECKED = 64;
/** Gaps raised per organization and sweep; the rest wait for the next minute. */
const GAPS_ESCALATED_PER_RUN = 500;

/** The evidence a `snapshot_gap` signal row carries (see {@link gapSignal}). */
interface GapEvidence extends SequenceGap {
  explainedBy?: GapExplanation;
  /** The seq of the later snapshot whose `runner.lost` explained the gap. */
  explainedBySeq?: number;
  explainedAt?: string;
  escalatedAt?: string;
}

/** A stored gap's evidence, or null when it is not one (damaged rows are left alone). */
function gapEvidence(text: string | null): GapEvidence | null {
  try {
    const e = JSON.parse(text ?? "null");
    const ok = typeof e === "object" && e !== null && Number.isSafeInteger(e.fromSeq) &&
      Number.isSafeInteger(e.toSeq) && e.fromSeq <= e.toSeq;
    return ok ? { ...e, missing: e.toSeq - e.fromSeq + 1 } : null;
  } catch {
    return null;
  }
}

/**
 * Follow-up of §2.6: the host's recorded gaps that are still unexplained (`medium`, or `high`
 * after escalation) and that the `runner.lost` ranges of a later accepted snapshot (`seq`) cover
 * are marked explained: severity `low`, `explainedBy` with the snapshot's seq in the evidence,
 * and a detail saying the runner reported those snapshots lost. Each row changes only if its
 * severity is still the one read, so concurrent posts explain it once. Returns how many.
 *
 * @example
 * ```ts
 * await explainRecordedGaps(ledger, host, runnerLost(body), 131, now);
 * ```
 */
export async function explainRecordedGaps(
  ledger: Pick<Ledger, "db">,
  host: { id: string; orgId: string },
  lost: readonly LostRange[],
  seq: number,
  now: Date,
): Promise<number> {
  if (lost.length === 0) return 0;
  // (org_id, code) is indexed, and gaps are rare next to other signals.
  const rows = await ledger.db.selectFrom("signals").select(["id", "severity", "evidence"])
    .where("org_id", "=", host.orgId).where("code", "=", "snapshot_gap")
    .where("host_id", "=", host.id).where("severity", "in", ["medium", "high"])
    .orderBy("id", "desc").limit(OPEN_GAPS_CHECKED).execute();
  let explained = 0;
  for (const row of rows) {
    const gap = gapEvidence(row.evidence);
    if (gap === null || gap.explainedBy !== undefined) continue;
    const explainedBy = gapExplanation(gap, lost);
    if (explainedBy === null) continue;
    const evidence: GapEvidence = {
      ...gap,
      explainedBy,
      explainedBySeq: seq,
      explainedAt: now.toISOString(),
    };
    const res = await ledger.db.updateTable("signals").set({
      severity: "low",
      detail:
        `${counted(gap.missing, "snapshot")} missing between sequence numbers ${gap.fromSeq} and ` +
        `${gap.toSeq}: the runner reported them lost (${explainedBy}) in snapshot ${seq}, so ` +
        "they were dropped on the host, not suppressed on the way.",
      evidence: JSON.stringify(evidence),
    }).where("id", "=", row.id).where("severity", "=", row.severity).executeTakeFirst();
    explained += Number(res.numUpdatedRows);
  }
  return explained;
}

/**
 * The other half of the §2.6 follow-up, for the heartbeat sweep: the organization's gaps still
 * unexplained (`medium`) {@link GAP_ESCALATE_AFTER_MS} after they were recorded are raised to
 * `high` (possible suppression), with `escalatedAt` in the evidence. Idempotent and safe with
 * concurrent sweeps (each row changes only while still `medium`). Returns how many.
 *
 * @example
 * ```ts
 * result.gapsEscalated += await escalateUnexplainedGaps(ledger, org.id, now);
 * ```
 */
export async function escalateUnexplainedGaps(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  now: Date,
): Promise<number> {
  const recordedBefore = new Date(now.getTime() - GAP_ESCALATE_AFTER_MS);
  const rows = await ledger.db.selectFrom("signals").select(["id", "detail", "evidence"])
    .where("org_id", "=", orgId).where("code", "=", "snapshot_gap")
    .where("severity", "=", "medium").where("created_at", "<=", recordedBefore)
    .orderBy("id").limit(GAPS_ESCALATED_PER_RUN).execute();
  let escalated = 0;
  for (const row of rows) {
    const gap = gapEvidence(row.evidence);
    if (gap === null || gap.explainedBy !== undefined) continue;
    const res = await ledger.db.updateTable("signals").set({
      severity: "high",
      detail: `${row.detail}. Still unexplained ${GAP_ESCALATE_AFTER_MS / 60_000} minutes ` +
        "after it was recorded: the runner has not reported these snapshots lost, so they may " +
        "have been suppressed. Check the host.",
      evidence: JSON.stringify({ ...gap, escalatedAt: now.toISOString() }),
    }).where("id", "=", row.id).where("severity", "=", "medium").executeTakeFirst();
    escalated += Number(res.numUpdatedRows);
  }
  return escalated;
}
