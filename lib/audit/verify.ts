/**
 * Verifying the audit trail. {@link verifyChain} walks one chain in seq order from its last
 * pruning point (or the start), recomputing every hash and checking each link, so an edited,
 * deleted or reordered entry is named. A rewrite of the whole chain (every hash recomputed)
 * passes that walk; {@link verifyAgainstExportedHeads} catches it by comparing with chain
 * heads exported earlier to a sink the database cannot rewrite.
 *
 * @module
 */

import type { LedgerDb } from "../orgs/orgs.ts";
import { entryHash, GENESIS_HASH } from "./canonical.ts";
import { type AuditEntryRow, hashedFieldsOfRow } from "./entry.ts";

/** Where a chain first breaks. */
export interface ChainBreak {
  seq: number;
  /** The entry at `seq`, or null when there is none (deleted). */
  id: string | null;
  reason: string;
}

/** What {@link verifyChain} found. */
export interface ChainVerification {
  chain: string;
  ok: boolean;
  /** Entries whose hash and links checked out. */
  checked: number;
  /** The chain's last entry, when it has any. */
  head?: { seq: number; hash: string };
  /** The seq verification started after (the last pruning point), 0 from the start. */
  startedAfter: number;
  firstBroken?: ChainBreak;
}

/** A chain head as exported by `exportChainHeads`. */
export interface ExportedHead {
  chain: string;
  seq: number;
  hash: string;
}

/** What {@link verifyAgainstExportedHeads} found. */
export interface ExportedHeadsVerification {
  ok: boolean;
  /** Chains whose latest exported head was compared. */
  checked: number;
  /** Chains whose latest exported head was pruned since (nothing left to compare). */
  skipped: number;
  firstMismatch?: { chain: string } & ChainBreak;
}

/** Rows read per query while walking a chain. */
const VERIFY_PAGE = 500;

/**
 * The newest pruning point of `chain` (last pruned seq and its hash), or null when it was never
 * pruned.
 *
 * @example
 * ```ts
 * const start = (await latestPrune(ledger, org.id))?.upToSeq ?? 0;
 * ```
 */
export async function latestPrune(
  ledger: LedgerDb,
  chain: string,
): Promise<{ upToSeq: number; hash: string } | null> {
  const row = await ledger.db.selectFrom("audit_prunes").select(["up_to_seq", "hash_at_prune"])
    .where("chain", "=", chain).orderBy("up_to_seq", "desc").limit(1).executeTakeFirst();
  return row ? { upToSeq: Number(row.up_to_seq), hash: row.hash_at_prune } : null;
}

function recomputedHash(row: AuditEntryRow): string | null {
  try {
    return entryHash(hashedFieldsOfRow(row));
  } catch {
    return null; // e.g. a timestamp edited into something unreadable
  }
}

/** Checks one row against the expected position; the reason it is broken, or null. */
function problemWith(
  row: AuditEntryRow,
  expectedSeq: number,
  prevHash: string,
  startedAfter: number,
): string | null {
  const seq = Number(row.seq);
  if (seq !== expectedSeq) {
    const missing = seq - expectedSeq === 1
      ? `entry ${expectedSeq} is`
      : `entries ${expectedSeq}-${seq - 1} are`;
    return `seq gap after ${expectedSeq - 1}: ${missing} missing (entry deleted)`;
  }
  if (row.prev_hash !== prevHash) {
    if (expectedSeq === 1) {
      return "prev_hash of the first entry is not the genesis hash (entry deleted or reordered)";
    }
    const previous = expectedSeq - 1 === startedAfter
      ? `the pruning point at seq ${startedAfter}`
      : `entry ${expectedSeq - 1}`;
    return `prev_hash does not match ${previous} (entry deleted or reordered)`;
  }
  if (recomputedHash(row) !== row.hash) return "hash mismatch (entry edited)";
  return null;
}

/**
 * Verifies chain `chain` (an organization id or `_global`): seq continuity, every prev link,
 * every hash, and that the `audit_heads` row matches the last entry. Stops at the first break.
 * Reads `pageSize` rows (default 500) per query, so any length is fine.
 *
 * @example
 * ```ts
 * const result = await verifyChain(ledger, org.id);
 * if (!result.ok) console.log(`broken at ${result.firstBroken?.seq}: ${result.firstBroken?.reason}`);
 * ```
 */
export async function verifyChain(
  ledger: LedgerDb,
  chain: string,
  options: { pageSize?: number } = {},
): Promise<ChainVerification> {
  const pageSize = options.pageSize ?? VERIFY_PAGE;
  const prune = await latestPrune(ledger, chain);
  const startedAfter = prune?.upToSeq ?? 0;
  let prevHash = prune?.hash ?? GENESIS_HASH;
  let expectedSeq = startedAfter + 1;
  let lastId: string | null = null;
  let checked = 0;
  const result = (extra: Partial<ChainVerification>): ChainVerification => ({
    chain,
    ok: extra.firstBroken === undefined,
    checked,
    startedAfter,
    ...(checked > 0 ? { head: { seq: expectedSeq - 1, hash: prevHash } } : {}),
    ...extra,
  });

  for (let after = startedAfter;;) {
    const rows = await ledger.db.selectFrom("audit_entries").selectAll()
      .where("chain", "=", chain).where("seq", ">", after)
      .orderBy("seq", "asc").limit(pageSize).execute();
    for (const row of rows) {
      const reason = problemWith(row, expectedSeq, prevHash, startedAfter);
      if (reason !== null) {
        return result({ firstBroken: { seq: Number(row.seq), id: row.id, reason } });
      }
      prevHash = row.hash;
      lastId = row.id;
      expectedSeq++;
      checked++;
    }
    if (rows.length < pageSize) break;
    after = Number(rows[rows.length - 1].seq);
  }

  const head = await ledger.db.selectFrom("audit_heads").select(["seq", "hash"])
    .where("chain", "=", chain).executeTakeFirst();
  const lastSeq = expectedSeq - 1;
  const headSeq = head ? Number(head.seq) : 0;
  const headHash = head?.hash ?? GENESIS_HASH;
  const emptyAndUnpruned = checked === 0 && startedAfter === 0;
  // A chain that was pruned keeps its head entry, so "no entries after the prune" is broken too.
  const matches = head
    ? headSeq === lastSeq && headHash === prevHash && (checked > 0 || emptyAndUnpruned)
    : emptyAndUnpruned;
  if (!matches) {
    const seq = Math.max(headSeq, lastSeq);
    return result({
      firstBroken: {
        seq,
        id: seq === lastSeq ? lastId : null,
        reason: head
          ? `head row (seq ${headSeq}, ${headHash.slice(0, 12)}) does not match last entry ` +
            `(seq ${lastSeq}) (entries deleted from the end, or written around appendAudit)`
          : `head row missing for a chain with entries (deleted)`,
      },
    });
  }
  return result({});
}

/**
 * Compares the chain heads exported earlier with the ledger: for each chain, the entry at the
 * latest exported seq must still exist with the same hash. Catches a rewrite of a whole chain
 * (which {@link verifyChain} cannot see) and a chain cut short. Heads at or before a pruning
 * point can only be compared when the pruning point is exactly there; otherwise they count as
 * skipped.
 *
 * @example
 * ```ts
 * const heads = await readExportedHeads("./data/audit-heads.jsonl");
 * const result = await verifyAgainstExportedHeads(ledger, heads);
 * if (!result.ok) console.log(result.firstMismatch);
 * ```
 */
export async function verifyAgainstExportedHeads(
  ledger: LedgerDb,
  heads: readonly ExportedHead[],
): Promise<ExportedHeadsVerification> {
  const latest = new Map<string, ExportedHead>();
  for (const head of heads) {
    const known = latest.get(head.chain);
    if (!known || head.seq >= known.seq) latest.set(head.chain, head);
  }
  let checked = 0;
  let skipped = 0;
  const byChain = [...latest.values()].sort((a, b) =>
    a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0
  );
  for (const exported of byChain) {
    const { chain } = exported;
    const mismatch = (id: string | null, reason: string): ExportedHeadsVerification => ({
      ok: false,
      checked,
      skipped,
      firstMismatch: { chain, seq: exported.seq, id, reason },
    });
    const row = await ledger.db.selectFrom("audit_entries").select(["id", "hash"])
      .where("chain", "=", chain).where("seq", "=", exported.seq).executeTakeFirst();
    if (row) {
      if (row.hash !== exported.hash) {
        return mismatch(
          row.id,
          `hash ${row.hash.slice(0, 12)} differs from the exported head ${
            exported.hash.slice(0, 12)
          } ` +
            `(chain rewritten)`,
        );
      }
      checked++;
      continue;
    }
    const prune = await latestPrune(ledger, chain);
    if (prune && exported.seq <= prune.upToSeq) {
      const point = await ledger.db.selectFrom("audit_prunes").select("hash_at_prune")
        .where("chain", "=", chain).where("up_to_seq", "=", exported.seq).executeTakeFirst();
      if (!point) {
        skipped++;
        continue;
      }
      if (point.hash_at_prune !== exported.hash) {
        return mismatch(
          null,
          `pruning point hash differs from the exported head (chain rewritten)`,
        );
      }
      checked++;
      continue;
    }
    return mismatch(
      null,
      `entry missing: the chain no longer reaches the exported head (entries deleted)`,
    );
  }
  return { ok: true, checked, skipped };
}
