/**
 * Worker thread that checkpoints an SQLite ledger's WAL on its own connection (see
 * `startBackgroundCheckpoints` in `sqlite.ts`): copying WAL frames into the database file and
 * the two fsyncs a checkpoint takes happen on this thread, not in a request's commit.
 *
 * `workerData`: `{ path, intervalMs }`. Messages in: `"close"`. Messages out: `"closed"` once
 * the connection is closed, or `{ error }` when a checkpoint failed (the next interval tries
 * again; the writer's backstop autocheckpoint keeps the WAL bounded meanwhile).
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const port = parentPort!;
const db = new DatabaseSync(path);
db.exec("PRAGMA busy_timeout = 5000");
// PASSIVE: copies what it can without waiting for (or blocking) the writer or readers.
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}, intervalMs);

port.on("message", (message: unknown) => {
  if (message !== "close") return;
  clearInterval(timer);
  if (db.isOpen) db.close();
  port.postMessage("closed");
  // Deno's node:worker_threads parentPort has no close(); the worker ends when the parent
  // terminates it.
  if (typeof port.close === "function") port.close();
});
