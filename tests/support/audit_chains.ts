/** Builders and tampering tools for audit chain tests. */
import { appendAudit, type AuditEntry } from "@/lib/audit/append.ts";
import { entryHash, GENESIS_HASH } from "@/lib/audit/canonical.ts";
import { GLOBAL_CHAIN, hashedFieldsOfRow } from "@/lib/audit/entry.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";

/** Appends `count` entries to `chain` (an org id or `_global`), one minute apart from `start`. */
export async function buildChain(
  ledger: Ledger,
  chain: string,
  count: number,
  start = new Date("2026-11-25T10:00:00.000Z"),
): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push(
      await appendAudit(ledger, {
        orgId: chain === GLOBAL_CHAIN ? null : chain,
        actor: { type: "user", id: "01USER", label: "ops@example.com" },
        action: "host.update",
        target: { type: "host", id: `host-${i + 1}` },
        summary: `entry ${i + 1}`,
        details: { n: i + 1 },
        ts: new Date(start.getTime() + i * 60_000),
      }),
    );
  }
  return entries;
}

/**
 * What an attacker with database access would do to hide an edit: recompute every hash and
 * prev link from the start (or the given prune point), and the head row.
 */
export async function rewriteChainHashes(
  ledger: Ledger,
  chain: string,
  startHash = GENESIS_HASH,
): Promise<void> {
  const rows = await ledger.db.selectFrom("audit_entries").selectAll().where("chain", "=", chain)
    .orderBy("seq").execute();
  let prev = startHash;
  for (const row of rows) {
    const hash = entryHash({ ...hashedFieldsOfRow(row), prevHash: prev });
    await ledger.db.updateTable("audit_entries").set({ prev_hash: prev, hash })
      .where("chain", "=", chain).where("seq", "=", row.seq).execute();
    prev = hash;
  }
  await ledger.db.updateTable("audit_heads")
    .set({ seq: rows.length === 0 ? 0 : Number(rows[rows.length - 1].seq), hash: prev })
    .where("chain", "=", chain).execute();
}

/** Swaps the seq values of two entries (through a temporary seq, the key is unique). */
export async function swapSeq(ledger: Ledger, chain: string, a: number, b: number): Promise<void> {
  const set = async (from: number, to: number) => {
    await ledger.db.updateTable("audit_entries").set({ seq: to })
      .where("chain", "=", chain).where("seq", "=", from).execute();
  };
  await set(a, -1);
  await set(b, a);
  await set(-1, b);
}
