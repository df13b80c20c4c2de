/**
 * Worker that checkpoints an SQLite ledger's WAL on its own connection (see
 * `startBackgroundCheckpoints` in `sqlite.ts`): copying WAL frames into the database file and
 * the two fsyncs a checkpoint takes happen on this thread, not in a request's commit.
 *
 * Messages in: `{ path, intervalMs }` once, then `"close"`. Messages out: `"closed"`, or
 * `{ error }` when a checkpoint failed (the next interval tries again; the main connection's
 * backstop autocheckpoint keeps the WAL bounded meanwhile).
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/** The worker's global scope, as far as this module uses it. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let db: DatabaseSync | undefined;
let stop = () => {};

scope.onmessage = (event) => {
  const message = event.data;
  if (message === "close") {
    stop();
    if (db?.isOpen) db.close();
    scope.postMessage("closed");
    scope.close();
    return;
  }
  const { path, intervalMs } = message as { path: string; intervalMs: number };
  db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 5000");
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  const timer = setInterval(() => {
    try {
      checkpoint.get();
    } catch (error) {
      scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  }, intervalMs);
  stop = () => clearInterval(timer);
};
