/**
 * Audit retention: deleting entries older than an organization keeps them, without breaking
 * verification. Before deleting, the pruning point (last deleted seq and its hash) is recorded
 * in `audit_prunes`, in the same transaction; `verifyChain` starts from it. Each pruning is
 * itself recorded as an `audit.prune` entry appended in that transaction, which becomes the
 * chain's head: a chain is never left without a head entry, and the next run has nothing more
 * to prune (so the job is idempotent).
 *
 * @module
 */

import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { appendAudit, lockChainHead } from "./append.ts";
import { GLOBAL_CHAIN } from "./entry.ts";
import { latestPrune } from "./verify.ts";

/** What one pruning did. */
export interface PruneResult {
  chain: string;
  /** Entries deleted. */
  pruned: number;
  /** The new pruning point, or null when nothing was pruned. */
  upToSeq: number | null;
}

/** Who prunes, in the audit trail. */
export const RETENTION_ACTOR = { type: "system", id: "audit-retention" } as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const CHAINS_PAGE = 500;

/**
 * Deletes the entries of `chain` older than `before` — precisely, every entry before the first
 * one at or after `before` — after recording the pruning point, and appends an `audit.prune`
 * entry (at `now`) saying so, which becomes the head. Serialized with appends by the chain's
 * head lock.
 *
 * @example
 * ```ts
 * const { pruned } = await pruneAudit(ledger, {
 *   chain: org.id, before: new Date(now.getTime() - 400 * 86_400_000), now,
 * });
 * ```
 */
export async function pruneAudit(
  ledger: LedgerTx,
  input: { chain: string; before: Date; now: Date },
): Promise<PruneResult> {
  const { chain, before, now } = input;
  const none: PruneResult = { chain, pruned: 0, upToSeq: null };
  // Do not create a head row for a chain that does not exist.
  const exists = await ledger.db.selectFrom("audit_heads").select("seq")
    .where("chain", "=", chain).executeTakeFirst();
  if (!exists || Number(exists.seq) < 1) return none;

  return await writeTransaction(ledger, async (tx) => {
    const head = await lockChainHead(tx, chain, now);
    const start = (await latestPrune(tx, chain))?.upToSeq ?? 0;
    const firstKept = await tx.db.selectFrom("audit_entries").select("seq")
      .where("chain", "=", chain).where("seq", ">", start).where("ts", ">=", before)
      .orderBy("seq", "asc").limit(1).executeTakeFirst();
    // The old head may go too: the audit.prune entry appended below becomes the new head.
    const upToSeq = firstKept ? Number(firstKept.seq) - 1 : head.seq;
    if (upToSeq <= start) return none;

    const last = await tx.db.selectFrom("audit_entries").select("hash")
      .where("chain", "=", chain).where("seq", "=", upToSeq).executeTakeFirst();
    if (!last) {
      throw new Error(
        `audit chain ${chain} has no entry ${upToSeq} to prune at: it is broken; ` +
          `run "deno task audit:verify" before retention can continue`,
      );
    }
    const count = await tx.db.selectFrom("audit_entries")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("chain", "=", chain).where("seq", "<=", upToSeq).executeTakeFirstOrThrow();
    const pruned = Number(count.n);
    // The pruning point first: verification of what remains starts from it.
    await tx.db.insertInto("audit_prunes").values({
      chain,
      up_to_seq: upToSeq,
      hash_at_prune: last.hash,
      pruned_at: now,
      count: pruned,
    }).execute();
    await tx.db.deleteFrom("audit_entries")
      .where("chain", "=", chain).where("seq", "<=", upToSeq).execute();
    await appendAudit(tx, {
      orgId: chain === GLOBAL_CHAIN ? null : chain,
      actor: RETENTION_ACTOR,
      action: "audit.prune",
      summary: `retention removed ${pruned} audit entries before ${before.toISOString()} ` +
        `(up to seq ${upToSeq})`,
      details: { pruned, upToSeq, before: before.toISOString(), hashAtPrune: last.hash },
      ts: now,
    });
    return { chain, pruned, upToSeq };
  });
}

/**
 * Applies retention to every chain: an organization's `audit_retention_days`, or
 * `defaultDays` (for organizations without a setting, the global chain, and chains of deleted
 * organizations). Returns the chains that were pruned.
 *
 * @example
 * ```ts
 * const results = await applyAuditRetention(ledger, {
 *   defaultDays: config.auditRetentionDays, now: clock.now(),
 * });
 * ```
 */
export async function applyAuditRetention(
  ledger: LedgerTx,
  input: { defaultDays: number; now: Date },
): Promise<PruneResult[]> {
  const { defaultDays, now } = input;
  if (!Number.isInteger(defaultDays) || defaultDays < 1) {
    throw new RangeError(`defaultDays must be a positive integer, got ${defaultDays}`);
  }
  const results: PruneResult[] = [];
  let after: string | undefined;
  for (;;) {
    const chains = await ledger.db.selectFrom("audit_heads")
      .leftJoin("orgs", "orgs.id", "audit_heads.chain")
      .select(["audit_heads.chain", "orgs.audit_retention_days"])
      .$if(after !== undefined, (q) => q.where("audit_heads.chain", ">", after ?? ""))
      .orderBy("audit_heads.chain").limit(CHAINS_PAGE).execute();
    for (const { chain, audit_retention_days: days } of chains) {
      const before = new Date(now.getTime() - (days ?? defaultDays) * DAY_MS);
      const result = await pruneAudit(ledger, { chain, before, now });
      if (result.pruned > 0) results.push(result);
    }
    if (chains.length < CHAINS_PAGE) return results;
    after = chains[chains.length - 1].chain;
  }
}
