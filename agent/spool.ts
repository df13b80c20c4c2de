/**
 * On-disk spools (agent-protocol §2.8, §3.6): one file per entry in a directory, written to a
 * temp file, fsynced and renamed; sent strictly oldest first, one request at a time, with the
 * retry state (`attempt`, `notBefore`) kept on disk so a restart honours it. The drain loop is
 * shared by snapshots and results; each channel says what a 2xx and a 4xx mean for it.
 *
 * @module
 */

import { backoffMs, type RunnerContext } from "./context.ts";
import { readJsonFile, syncDir, writeFileAtomic, writeJsonAtomic } from "./fsutil.ts";
import { type Outcome, STOP_CODES } from "./http.ts";
import { markStopped, reloadState, type Runtime } from "./runtime.ts";
import { withLock } from "./state.ts";

/** One spooled entry. */
export interface SpoolEntry {
  /** File name; entries sort by it. */
  name: string;
  path: string;
  size: number;
}

/**
 * Lists a spool directory, oldest (smallest name) first; temp files are ignored.
 *
 * @example
 * ```ts
 * const entries = await listSpool(paths.snapshots);
 * ```
 */
export async function listSpool(dir: string): Promise<SpoolEntry[]> {
  const entries: SpoolEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || e.name.startsWith(".") || !e.name.endsWith(".json")) continue;
      const path = `${dir}/${e.name}`;
      try {
        entries.push({ name: e.name, path, size: (await Deno.stat(path)).size });
      } catch {
        // Removed meanwhile by another process.
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Adds an entry durably. */
export async function putSpool(dir: string, name: string, data: Uint8Array | string) {
  await writeFileAtomic(`${dir}/${name}`, data);
}

/** Removes an entry (already gone is fine). */
export async function removeSpool(entry: SpoolEntry): Promise<void> {
  await Deno.remove(entry.path).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await syncDir(entry.path.slice(0, entry.path.lastIndexOf("/")));
}

/** Retry state of a spool. */
export interface Delivery {
  /** Consecutive failures of the head entry (reset by any 2xx). */
  attempt: number;
  /** Do not send before this time (ms since the epoch). */
  notBefore: number;
}

async function loadDelivery(path: string): Promise<Delivery> {
  const raw = await readJsonFile(path).catch(() => null) as Partial<Delivery> | null;
  return {
    attempt: Number.isSafeInteger(raw?.attempt) ? raw!.attempt! : 0,
    notBefore: Number.isFinite(raw?.notBefore) ? raw!.notBefore! : 0,
  };
}

/** What a channel does with its entries. */
export interface Channel {
  /** Lock and log name: `snapshots` or `results`. */
  name: string;
  dir: string;
  deliveryPath: string;
  /** Sends one entry (freshly signed). */
  send(entry: SpoolEntry, signal?: AbortSignal): Promise<Outcome>;
  /** After a 2xx (the entry is removed by the caller). */
  delivered?(entry: SpoolEntry, outcome: Extract<Outcome, { kind: "ok" }>): Promise<void>;
  /**
   * After a non-retryable 4xx other than a stop code (e.g. record the seq as lost, or accept
   * `409 stale_seq` as delivered); the caller removes the entry afterwards.
   */
  rejected(entry: SpoolEntry, outcome: Extract<Outcome, { kind: "rejected" }>): Promise<void>;
  /**
   * Keep the head entry when the key is refused (`unknown_key`/`key_revoked`) so it is sent
   * after re-enrollment (results); otherwise it is handled like any other 4xx (snapshots).
   */
  keepOnStop?: boolean;
}

/** How a drain ended. */
export type DrainEnd = "empty" | "pending" | "stopped" | "aborted";

/**
 * Sends a channel's entries oldest first until it is empty, `deadline` (ms) would be passed
 * by the next wait, the runner is stopped, or `signal` aborts. §2.8 outcomes: 2xx deletes and
 * resets the backoff; network error/timeout/5xx keeps the entry and backs off with full jitter;
 * 429 waits exactly `Retry-After` without advancing the backoff; other 4xx delete the entry
 * (`unknown_key`/`key_revoked` also stop the runner).
 *
 * @example
 * ```ts
 * await drainChannel(rt, snapshotChannel(rt), { deadline: Date.now() + 120_000 });
 * ```
 */
export async function drainChannel(
  rt: Runtime,
  channel: Channel,
  opts: { deadline: number; signal?: AbortSignal },
): Promise<DrainEnd> {
  const ctx: RunnerContext = rt.ctx;
  while (true) {
    if (opts.signal?.aborted) return "aborted";
    const step = await withLock(rt.paths.dir, channel.name, async () => {
      const state = await reloadState(rt);
      if (state.stopped) return { end: "stopped" as const };
      const entries = await listSpool(channel.dir);
      if (entries.length === 0) return { end: "empty" as const };
      const delivery = await loadDelivery(channel.deliveryPath);
      const wait = delivery.notBefore - ctx.now();
      if (wait > 0) return { wait };
      const head = entries[0];
      const outcome = await channel.send(head, opts.signal);
      if (outcome.kind === "ok") {
        await removeSpool(head);
        await writeJsonAtomic(channel.deliveryPath, { attempt: 0, notBefore: 0 });
        await channel.delivered?.(head, outcome);
        return { wait: 0 };
      }
      if (outcome.kind === "retry") {
        const delay = backoffMs(ctx, delivery.attempt);
        ctx.log.warn(`${channel.name}_send_failed`, {
          entry: head.name,
          reason: outcome.reason,
          attempt: delivery.attempt + 1,
          retryInMs: delay,
        });
        await writeJsonAtomic(channel.deliveryPath, {
          attempt: delivery.attempt + 1,
          notBefore: ctx.now() + delay,
        });
        return { wait: delay };
      }
      if (outcome.kind === "rate_limited") {
        ctx.log.warn(`${channel.name}_rate_limited`, { waitMs: outcome.waitMs });
        await writeJsonAtomic(channel.deliveryPath, {
          attempt: delivery.attempt,
          notBefore: ctx.now() + outcome.waitMs,
        });
        return { wait: outcome.waitMs };
      }
      if (STOP_CODES.has(outcome.code)) {
        if (!channel.keepOnStop) {
          await channel.rejected(head, outcome);
          await removeSpool(head);
        }
        await markStopped(rt, outcome.code);
        return { end: "stopped" as const };
      }
      if (outcome.code === "clock_skew") {
        const serverTime = (outcome.body.error as { details?: { serverTime?: unknown } })?.details
          ?.serverTime;
        ctx.log.error("clock_skew", {
          serverTime,
          offsetS: typeof serverTime === "number"
            ? Math.floor(ctx.now() / 1000) - serverTime
            : null,
          message: "The host clock is off by more than 300 s; fix NTP.",
        });
      }
      await channel.rejected(head, outcome);
      await removeSpool(head);
      await writeJsonAtomic(channel.deliveryPath, { attempt: 0, notBefore: 0 });
      return { wait: 0 };
    });
    if ("end" in step && step.end) return step.end;
    if (step.wait > 0) {
      if (ctx.now() + step.wait > opts.deadline) return "pending";
      await ctx.sleep(step.wait, opts.signal);
    }
  }
}
