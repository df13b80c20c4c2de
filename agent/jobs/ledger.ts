/**
 * The `jti` ledger (agent-protocol §3.3 checks 5, 6, 19; §3.5 restart): one file per job in
 * `stateDir/ledger/`, fsynced before the step that depends on it. It makes execution at most
 * once: a `jti` seen before is never run again, whichever path (poll or armed rollback)
 * delivers it.
 *
 * @module
 */

import type { JobResult, StepResult } from "../../lib/protocol/job.ts";
import { readJsonFile, syncDir, writeJsonAtomic } from "../fsutil.ts";

/** Where a job is: validated up to check 6, running, or finished with a result. */
export type LedgerPhase = "received" | "started" | "done";

/** One ledger file. */
export interface LedgerEntry {
  jti: string;
  phase: LedgerPhase;
  receivedAt: string;
  /** The token's `exp` (unix s) when it was an integer; used to prune old entries. */
  exp: number | null;
  mode: string | null;
  startedAt: string | null;
  /** Steps finished so far (a restart reports them, §3.5). */
  steps: StepResult[];
  /** The reported result once `done`. */
  result: JobResult | null;
}

/** Ledger entries are kept this long after `exp` (a later copy is refused `expired` anyway). */
export const LEDGER_KEEP_S = 7 * 24 * 3600;

/**
 * The ledger directory.
 *
 * @example
 * ```ts
 * const ledger = new JobLedger(paths.ledger);
 * if (await ledger.get(jti)) return skip;
 * ```
 */
export class JobLedger {
  constructor(readonly dir: string) {}

  #path(jti: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(jti)) throw new Error(`bad jti ${JSON.stringify(jti)}`);
    return `${this.dir}/${jti}.json`;
  }

  /** The entry of `jti`, or null. */
  async get(jti: string): Promise<LedgerEntry | null> {
    return await readJsonFile(this.#path(jti)) as LedgerEntry | null;
  }

  /** Writes an entry durably (temp + fsync + rename). */
  async put(entry: LedgerEntry): Promise<void> {
    await writeJsonAtomic(this.#path(entry.jti), entry);
  }

  /** Removes an entry. */
  async remove(jti: string): Promise<void> {
    await Deno.remove(this.#path(jti)).catch(() => {});
    await syncDir(this.dir);
  }

  /** Every entry. */
  async list(): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    for await (const e of Deno.readDir(this.dir)) {
      if (!e.isFile || e.name.startsWith(".") || !e.name.endsWith(".json")) continue;
      const entry = await readJsonFile(`${this.dir}/${e.name}`).catch(() => null);
      if (entry) out.push(entry as LedgerEntry);
    }
    return out;
  }

  /** Drops `done` entries whose `exp` is more than {@link LEDGER_KEEP_S} ago. */
  async prune(nowS: number): Promise<number> {
    let n = 0;
    for (const entry of await this.list()) {
      if (entry.phase === "done" && entry.exp !== null && entry.exp + LEDGER_KEEP_S < nowS) {
        await this.remove(entry.jti);
        n++;
      }
    }
    return n;
  }
}
