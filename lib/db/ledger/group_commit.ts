/**
 * Group commit for ledger writes on the hot path (ingest). Writes that arrive while a
 * transaction runs wait and then commit together in the next one, so under load many
 * snapshots share one commit; idle, a write starts at once (no added latency). Every caller
 * still gets its answer only after its own write is durable. If any write of a batch throws,
 * the batch rolls back and its writes run again one by one, so one failure (say, a host
 * deleted meanwhile) never fails another's write.
 */
import { type LedgerTx, writeTransaction } from "./transaction.ts";

type Job = {
  fn: (tx: LedgerTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

interface Batcher {
  queue: Job[];
  running: boolean;
}

/** Largest number of writes in one transaction; keeps a batch's lock time bounded. */
export const MAX_GROUP = 64;

const batchers = new WeakMap<object, Batcher>();

async function runBatches(ledger: LedgerTx, batcher: Batcher): Promise<void> {
  batcher.running = true;
  try {
    while (batcher.queue.length > 0) {
      const jobs = batcher.queue.splice(0, MAX_GROUP);
      try {
        const results = await writeTransaction(ledger, async (tx) => {
          const out: unknown[] = [];
          for (const job of jobs) out.push(await job.fn(tx));
          return out;
        });
        jobs.forEach((job, i) => job.resolve(results[i]));
      } catch {
        // Isolate the failure: each write gets its own transaction and its own outcome.
        for (const job of jobs) {
          try {
            job.resolve(await writeTransaction(ledger, job.fn));
          } catch (error) {
            job.reject(error);
          }
        }
      }
    }
  } finally {
    batcher.running = false;
  }
}

/**
 * Runs `fn` in a write transaction shared with the writes queued at the same time.
 * `fn` must use only `tx` and must be safe to run a second time (after a batch rollback).
 *
 * @example
 * ```ts
 * const id = await groupWrite(services.ledger, async (tx) => {
 *   await tx.db.insertInto("snapshots").values(row).execute();
 *   return row.id;
 * });
 * ```
 */
export function groupWrite<T>(ledger: LedgerTx, fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
  let batcher = batchers.get(ledger);
  if (!batcher) {
    batcher = { queue: [], running: false };
    batchers.set(ledger, batcher);
  }
  const promise = new Promise<T>((resolve, reject) => {
    batcher!.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
  });
  if (!batcher.running) void runBatches(ledger, batcher);
  return promise;
}
