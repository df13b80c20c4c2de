/**
 * Snapshots (agent-protocol §2.5-2.8): read what the vps-sentry agent published, wrap it in the
 * envelope with the `runner` member, give it the next `seq` (persisted before it is queued),
 * spool it within the 288-entry / 64 MiB bound, and send the spool oldest first.
 *
 * @module
 */

import type { DrainEnd } from "./spool.ts";
import { type Channel, drainChannel, listSpool, putSpool, removeSpool } from "./spool.ts";
import { signedCall } from "./http.ts";
import type { Runtime } from "./runtime.ts";
import { addLost, loadSeq, saveSeq, withLock } from "./state.ts";
import { RUNNER_VERSION } from "./version.ts";
import { disarmConfirmed } from "./jobs/confirm.ts";

/** Largest status POST body the control plane accepts (§1.9). */
export const MAX_SNAPSHOT_BYTES = 1_000_000;

/** The agent's files as raw JSON text (kept byte for byte inside the envelope). */
export interface AgentFiles {
  status: string;
  last?: string;
  diff?: string;
}

/** A problem with the agent's output (no snapshot is created). */
export class AgentFilesError extends Error {
  override name = "AgentFilesError";
}

const isObjectText = (text: string) => {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
};

/**
 * Reads `status.json` (required: a JSON object) and, when enabled, `last.json` and `diff.json`
 * (optional: left out with a warning when missing or not a JSON object) from `statusDir`.
 *
 * @example
 * ```ts
 * const files = await readAgentFiles(rt, "/var/lib/vps-sentry/public");
 * ```
 */
export async function readAgentFiles(rt: Runtime, statusDir: string): Promise<AgentFiles> {
  const read = async (name: string) => {
    try {
      return (await Deno.readTextFile(`${statusDir}/${name}`)).replace(/^\uFEFF/, "").trim();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  };
  const status = await read("status.json");
  if (status === null || status === "") {
    throw new AgentFilesError(`${statusDir}/status.json is missing or empty; has the agent run?`);
  }
  if (!isObjectText(status)) {
    throw new AgentFilesError(`${statusDir}/status.json is not a JSON object`);
  }
  const files: AgentFiles = { status };
  for (const name of ["last", "diff"] as const) {
    const enabled = name === "last" ? rt.ctx.config.includeLast : rt.ctx.config.includeDiff;
    if (!enabled) continue;
    const text = await read(`${name}.json`);
    if (text === null) continue;
    if (text !== "" && isObjectText(text)) files[name] = text;
    else {rt.ctx.log.warn("agent_file_skipped", {
        file: `${name}.json`,
        reason: "not a JSON object",
      });}
  }
  return files;
}

/** The `runner` member of a snapshot (§2.5). */
export interface RunnerMember {
  version: string;
  spool: { depth: number; droppedTotal: number };
  lost: { from: number; to: number; reason: string }[];
}

/**
 * The §2.5 envelope as bytes. The agent's JSON is embedded as it was read, so its payload is
 * exactly Part 1's (floats keep their `.0`).
 *
 * @example
 * ```ts
 * buildEnvelope({ status: '{"ts":"…"}' }, runner); // '{"status":{"ts":"…"},"ok":true,"runner":{…}}'
 * ```
 */
export function buildEnvelope(files: AgentFiles, runner: RunnerMember): string {
  const parts = [`"status":${files.status}`];
  if (files.last !== undefined) parts.push(`"last":${files.last}`);
  if (files.diff !== undefined) parts.push(`"diff":${files.diff}`);
  parts.push(`"ok":true`, `"runner":${JSON.stringify(runner)}`);
  return `{${parts.join(",")}}`;
}

const seqName = (seq: number) => `${String(seq).padStart(16, "0")}.json`;
const seqOf = (name: string) => Number(name.slice(0, 16));

/** A snapshot that entered the spool. */
export interface CreatedSnapshot {
  seq: number;
  bytes: number;
  depth: number;
  /** Seqs dropped from the spool to make room (reported as `spool_overflow`). */
  dropped: number[];
}

/**
 * Creates a snapshot from `files`: drops the oldest entries when the new one would exceed the
 * bound, takes the next `seq`, persists `seq.json` (temp + fsync + rename), then spools the
 * body. `last` and then `diff` are left out when the body would exceed 1,000,000 bytes.
 *
 * @example
 * ```ts
 * const { seq } = await createSnapshot(rt, await readAgentFiles(rt, statusDir));
 * ```
 */
export async function createSnapshot(rt: Runtime, input: AgentFiles): Promise<CreatedSnapshot> {
  const { config, log } = rt.ctx;
  const files = { ...input };
  return await withLock(rt.paths.dir, "snapshots", async () => {
    const seqState = await loadSeq(rt.paths.dir);
    const seq = seqState.nextSeq;
    const entries = await listSpool(rt.paths.snapshots);
    const member = (): RunnerMember => ({
      version: RUNNER_VERSION,
      spool: { depth: entries.length + 1, droppedTotal: seqState.droppedTotal },
      lost: seqState.lost.map((r) => ({ ...r })),
    });
    let body = buildEnvelope(files, member());
    for (const name of ["last", "diff"] as const) {
      if (new TextEncoder().encode(body).length <= MAX_SNAPSHOT_BYTES) break;
      if (files[name] === undefined) continue;
      delete files[name];
      log.warn("snapshot_member_dropped", { member: name, reason: "body over 1,000,000 bytes" });
      body = buildEnvelope(files, member());
    }
    if (new TextEncoder().encode(body).length > MAX_SNAPSHOT_BYTES) {
      throw new AgentFilesError("status.json alone is over 1,000,000 bytes; nothing was queued");
    }
    const dropped: number[] = [];
    let total = entries.reduce((n, e) => n + e.size, 0);
    const size = () => new TextEncoder().encode(body).length;
    while (
      entries.length > 0 &&
      (entries.length + 1 > config.spoolMaxEntries || total + size() > config.spoolMaxBytes)
    ) {
      const oldest = entries.shift()!;
      await removeSpool(oldest);
      total -= oldest.size;
      const lostSeq = seqOf(oldest.name);
      dropped.push(lostSeq);
      seqState.droppedTotal += 1;
      addLost(seqState, lostSeq, "spool_overflow");
      log.warn("spool_overflow", { droppedSeq: lostSeq, droppedTotal: seqState.droppedTotal });
      body = buildEnvelope(files, member());
    }
    seqState.nextSeq = seq + 1;
    await saveSeq(rt.paths.dir, seqState);
    await putSpool(rt.paths.snapshots, seqName(seq), body);
    log.info("snapshot_queued", { seq, bytes: size(), depth: entries.length + 1 });
    return { seq, bytes: size(), depth: entries.length + 1, dropped };
  });
}

/**
 * The snapshot spool as a {@link Channel}: each entry is posted with its `seq`; a 2xx's
 * `confirmedJobs` disarms commit-confirm rollbacks; `409 stale_seq` counts as delivered; any
 * other 4xx adds the seq to `lost` as `rejected:<code>`.
 *
 * @example
 * ```ts
 * await drainChannel(rt, snapshotChannel(rt), { deadline });
 * ```
 */
export function snapshotChannel(rt: Runtime): Channel {
  return {
    name: "snapshots",
    dir: rt.paths.snapshots,
    deliveryPath: rt.paths.snapshotDelivery,
    send: async (entry, signal) =>
      await signedCall(rt.ctx, {
        baseUrl: rt.state.baseUrl,
        signer: rt.signer,
        method: "POST",
        path: `/api/hosts/${rt.state.hostId}/status`,
        body: await Deno.readFile(entry.path),
        seq: seqOf(entry.name),
        signal,
      }),
    delivered: async (entry, outcome) => {
      const b = outcome.body;
      rt.ctx.log.info("snapshot_delivered", {
        seq: seqOf(entry.name),
        lastAcceptedSeq: b.lastAcceptedSeq,
        gap: b.gap ?? null,
        warnings: b.warnings,
      });
      const confirmed = Array.isArray(b.confirmedJobs)
        ? (b.confirmedJobs as unknown[]).filter((j): j is string => typeof j === "string")
        : [];
      if (confirmed.length > 0) await disarmConfirmed(rt, confirmed);
    },
    rejected: async (entry, outcome) => {
      const seq = seqOf(entry.name);
      if (outcome.status === 409 && outcome.code === "stale_seq") {
        const details = (outcome.body.error as { details?: unknown } | undefined)?.details;
        rt.ctx.log.info("snapshot_stale", { seq, details });
        return;
      }
      const seqState = await loadSeq(rt.paths.dir);
      addLost(seqState, seq, `rejected:${outcome.code}`);
      await saveSeq(rt.paths.dir, seqState);
      rt.ctx.log.error("snapshot_rejected", { seq, status: outcome.status, code: outcome.code });
    },
  };
}

/**
 * `push`: creates a snapshot from the agent's files (unless `drainOnly`), then drains the
 * spool, retrying until `deadline`.
 *
 * @example
 * ```ts
 * const { seq, end } = await pushSnapshot(rt, { deadline: Date.now() + 120_000 });
 * ```
 */
export async function pushSnapshot(
  rt: Runtime,
  opts: { statusDir?: string; drainOnly?: boolean; deadline: number; signal?: AbortSignal },
): Promise<{ seq: number | null; end: DrainEnd }> {
  if (rt.state.stopped) return { seq: null, end: "stopped" };
  let seq: number | null = null;
  if (!opts.drainOnly) {
    const files = await readAgentFiles(rt, opts.statusDir ?? rt.ctx.config.statusDir);
    seq = (await createSnapshot(rt, files)).seq;
  }
  const end = await drainChannel(rt, snapshotChannel(rt), opts);
  return { seq, end };
}

/**
 * The fresh snapshot after a succeeded execute (§3.7): runs `refreshCommand` (by default
 * `systemctl start vps-sentry.service`, so the agent collects anew) with a scrubbed environment
 * and a timeout, then queues a snapshot of what the agent published. The caller drains.
 *
 * @example
 * ```ts
 * await freshSnapshot(rt);
 * ```
 */
export async function freshSnapshot(rt: Runtime): Promise<CreatedSnapshot> {
  const { config, log } = rt.ctx;
  if (config.refreshCommand) {
    const [program, ...args] = config.refreshCommand;
    try {
      const out = await new Deno.Command(program, {
        args,
        cwd: "/",
        clearEnv: true,
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
        signal: AbortSignal.timeout(config.refreshTimeoutMs),
      }).output();
      if (!out.success) {
        log.warn("refresh_failed", {
          command: config.refreshCommand,
          code: out.code,
          stderr: new TextDecoder().decode(out.stderr).slice(-2000),
        });
      }
    } catch (error) {
      log.warn("refresh_failed", { command: config.refreshCommand, message: String(error) });
    }
  }
  return await createSnapshot(rt, await readAgentFiles(rt, config.statusDir));
}
