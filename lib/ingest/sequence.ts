/**
 * Sequence numbers of signed snapshots (agent-protocol §2.6). `hosts.last_seq` is the host's
 * `lastAcceptedSeq`; it advances by a compare-and-set inside the same ledger transaction that
 * stores the snapshot (`storeSnapshot`'s `sequence` hook), so two concurrent posts can never
 * both advance it and a refused post stores nothing. A gap is accepted and recorded as a
 * `snapshot_gap` signal on that snapshot.
 *
 * @module
 */

import type { Ledger } from "../db/ledger/mod.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Signal } from "../signals/types.ts";

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
  let explainedBy: "spool_overflow" | "rejected" | undefined;
  const covered = (s: number) => lost.find((r) => r.from <= s && s <= r.to);
  const reasons = new Set<string>();
  let all = gap.missing <= 10_000;
  for (let s = gap.fromSeq; all && s <= gap.toSeq; s++) {
    const r = covered(s);
    if (!r) all = false;
    else reasons.add(r.reason.startsWith("rejected") ? "rejected" : r.reason);
  }
  if (all) explainedBy = reasons.has("spool_overflow") ? "spool_overflow" : "rejected";
  return {
    code: "snapshot_gap",
    severity: explainedBy ? "low" : "medium",
    title: `Snapshots ${gap.fromSeq}-${gap.toSeq} never arrived`,
    detail: `${gap.missing} snapshot(s) missing between sequence numbers ${gap.fromSeq} and ` +
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
