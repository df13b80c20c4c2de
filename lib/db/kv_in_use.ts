/**
 * Whether another process (a running server) holds the embedded KV file: a local KV file
 * belongs to one server process, so scripts that write KV refuse to run beside one.
 *
 * On Linux the answer comes from `/proc/<pid>/fd` (which processes have the file open); on
 * other systems, from the scheduler heartbeat a running server writes every minute (with its
 * pid). KV Connect (`DENO_KV_URL`) and `:memory:` are never "in use".
 *
 * @module
 */

import type { KvConfig } from "./kv.ts";
import { type SchedulerHeartbeat, schedulerHeartbeatKey } from "./kv.ts";

/** The KV file is held by another process. */
export class KvInUseError extends Error {}

/**
 * Pids of other processes that have `path` open (Linux; empty elsewhere or when none).
 *
 * @example
 * ```ts
 * const pids = await processesHolding("./data/kv.sqlite3"); // [12345] while a server runs
 * ```
 */
export async function processesHolding(path: string): Promise<number[]> {
  if (Deno.build.os !== "linux") return [];
  let target: string;
  try {
    target = await Deno.realPath(path);
  } catch {
    return []; // no file yet: nobody holds it
  }
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      for await (const fd of Deno.readDir(`/proc/${entry.name}/fd`)) {
        const link = await Deno.readLink(`/proc/${entry.name}/fd/${fd.name}`).catch(() => "");
        if (link === target) {
          pids.push(Number(entry.name));
          break;
        }
      }
    } catch {
      // Another user's process, or gone meanwhile.
    }
  }
  return pids;
}

/**
 * Refuses (throws {@link KvInUseError}, naming the pid) when the embedded KV file of `config`
 * is held by another process. Call before opening KV.
 *
 * @example
 * ```ts
 * await assertKvNotInUse(config); // throws while `deno task start` runs on the same DATA_DIR
 * ```
 */
export async function assertKvNotInUse(config: KvConfig): Promise<void> {
  if (config.denoKvUrl || config.denoKvPath === ":memory:") return;
  const pids = await processesHolding(config.denoKvPath);
  if (pids.length > 0) {
    throw new KvInUseError(
      `the KV file ${config.denoKvPath} is in use by process ${pids.join(", ")} ` +
        "(a running server?). Stop it first, or point DATA_DIR / DENO_KV_PATH elsewhere.",
    );
  }
}

/**
 * The fallback where `/proc` cannot tell: a scheduler heartbeat younger than two minutes from
 * another live process. Call right after opening KV.
 *
 * @example
 * ```ts
 * await assertNoLiveScheduler(kv, new Date());
 * ```
 */
export async function assertNoLiveScheduler(kv: Deno.Kv, now: Date): Promise<void> {
  if (Deno.build.os === "linux") return; // processesHolding answered already
  const beat = (await kv.get<SchedulerHeartbeat>(schedulerHeartbeatKey())).value;
  if (!beat || beat.pid === Deno.pid) return;
  if (now.getTime() - Date.parse(beat.at) < 120_000) {
    throw new KvInUseError(
      `a server (pid ${beat.pid ?? "?"}) wrote its scheduler heartbeat to this KV at ${beat.at}; ` +
        "stop it first, or point DATA_DIR / DENO_KV_PATH elsewhere.",
    );
  }
}
