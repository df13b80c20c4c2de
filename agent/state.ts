/**
 * The runner's on-disk state (agent-protocol §2.1) in `stateDir` (0700, files 0600):
 *
 * - `key.json`: the private key and its `keyId` (never leaves the host);
 * - `state.json`: `baseUrl`, `hostId`, `keyId`, pinned `issuer` and job-signing keys, and the
 *   stop flag set by `401 unknown_key|key_revoked`;
 * - `seq.json`: the next `seq`, `droppedTotal` and the `lost` ranges (§2.5-2.6);
 * - `spool/`, `ledger/`, `armed/`: see push.ts, jobs/ledger.ts, jobs/confirm.ts.
 *
 * Files are replaced atomically (temp + fsync + rename); cross-process sections use `flock`.
 *
 * @module
 */

import type { Ed25519PrivateJwk } from "../lib/protocol/ed25519.ts";
import { ensureDir, readJsonFile, writeJsonAtomic } from "./fsutil.ts";

/** A pinned job-signing key (§2.2, §3.8). */
export interface PinnedKey {
  kid: string;
  jwk: { kty: "OKP"; crv: "Ed25519"; x: string; kid: string; alg?: string; use?: string };
  /** When it was pinned (ISO). */
  pinnedAt: string;
  /** Unix seconds after which it is no longer accepted (set by a rollover), or null. */
  retireAt: number | null;
}

/** `state.json`. */
export interface RunnerState {
  version: 1;
  baseUrl: string;
  hostId: string;
  keyId: string;
  issuer: string;
  scopes: string[];
  /** Empty when the control plane gave no job-signing key at enrollment: jobs are refused. */
  jobKeys: PinnedKey[];
  enrolledAt: string;
  /** Set when the control plane said `unknown_key`/`key_revoked`: re-enrollment needed. */
  stopped: { code: string; at: string } | null;
}

/** `key.json`. */
export interface KeyFile {
  keyId: string;
  privateJwk: Ed25519PrivateJwk;
}

/** A range of seqs created but never delivered (§2.5 `runner.lost`). */
export interface LostRange {
  from: number;
  to: number;
  reason: string;
}

/** `seq.json`. */
export interface SeqState {
  nextSeq: number;
  droppedTotal: number;
  /** The most recent 32 ranges. */
  lost: LostRange[];
}

/** Paths inside the state directory. */
export function statePaths(stateDir: string) {
  return {
    dir: stateDir,
    key: `${stateDir}/key.json`,
    pendingKey: `${stateDir}/key.pending.json`,
    state: `${stateDir}/state.json`,
    seq: `${stateDir}/seq.json`,
    snapshots: `${stateDir}/spool/snapshots`,
    results: `${stateDir}/spool/results`,
    snapshotDelivery: `${stateDir}/spool/snapshots.delivery.json`,
    resultDelivery: `${stateDir}/spool/results.delivery.json`,
    ledger: `${stateDir}/ledger`,
    armed: `${stateDir}/armed`,
    stats: `${stateDir}/stats.json`,
  };
}

/** The paths of {@link statePaths}. */
export type StatePaths = ReturnType<typeof statePaths>;

/**
 * Creates the state directory tree with mode 0700.
 *
 * @example
 * ```ts
 * await initStateDir(config.stateDir);
 * ```
 */
export async function initStateDir(stateDir: string): Promise<StatePaths> {
  const p = statePaths(stateDir);
  for (const dir of [p.dir, `${p.dir}/spool`, p.snapshots, p.results, p.ledger, p.armed]) {
    await ensureDir(dir);
  }
  return p;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads `state.json`, or null before enrollment. A damaged file throws, naming it.
 *
 * @example
 * ```ts
 * const state = await loadState(config.stateDir);
 * ```
 */
export async function loadState(stateDir: string): Promise<RunnerState | null> {
  const path = statePaths(stateDir).state;
  const raw = await readJsonFile(path);
  if (raw === null) return null;
  if (
    !isObject(raw) || raw.version !== 1 || typeof raw.baseUrl !== "string" ||
    typeof raw.hostId !== "string" || typeof raw.keyId !== "string" ||
    typeof raw.issuer !== "string" || !Array.isArray(raw.jobKeys)
  ) {
    throw new Error(`${path} is damaged; re-enroll the runner`);
  }
  return { stopped: null, scopes: [], ...raw } as unknown as RunnerState;
}

/** Writes `state.json` atomically. */
export async function saveState(stateDir: string, state: RunnerState): Promise<void> {
  await writeJsonAtomic(statePaths(stateDir).state, state);
}

/**
 * Reads `key.json`, or null when absent.
 *
 * @example
 * ```ts
 * const key = await loadKey(config.stateDir);
 * ```
 */
export async function loadKey(stateDir: string): Promise<KeyFile | null> {
  const path = statePaths(stateDir).key;
  const raw = await readJsonFile(path);
  if (raw === null) return null;
  if (!isObject(raw) || typeof raw.keyId !== "string" || !isObject(raw.privateJwk)) {
    throw new Error(`${path} is damaged; re-enroll the runner`);
  }
  return raw as unknown as KeyFile;
}

/** Writes `key.json` atomically (0600). */
export async function saveKey(stateDir: string, key: KeyFile): Promise<void> {
  await writeJsonAtomic(statePaths(stateDir).key, key);
}

/**
 * Reads `seq.json` (defaults before the first snapshot: next 1, nothing lost).
 *
 * @example
 * ```ts
 * const { nextSeq } = await loadSeq(config.stateDir);
 * ```
 */
export async function loadSeq(stateDir: string): Promise<SeqState> {
  const path = statePaths(stateDir).seq;
  const raw = await readJsonFile(path);
  if (raw === null) return { nextSeq: 1, droppedTotal: 0, lost: [] };
  if (
    !isObject(raw) || !Number.isSafeInteger(raw.nextSeq) || (raw.nextSeq as number) < 1 ||
    !Number.isSafeInteger(raw.droppedTotal) || !Array.isArray(raw.lost)
  ) {
    throw new Error(`${path} is damaged; re-enroll the runner (the server gives nextSeq)`);
  }
  return raw as unknown as SeqState;
}

/** Writes `seq.json` atomically (temp + fsync + rename): done before the snapshot is queued. */
export async function saveSeq(stateDir: string, seq: SeqState): Promise<void> {
  await writeJsonAtomic(statePaths(stateDir).seq, seq);
}

/**
 * Appends `seq` to the lost ranges, merging with the newest range when it continues it with
 * the same reason; keeps the most recent 32.
 *
 * @example
 * ```ts
 * addLost(state, 119, "spool_overflow");
 * ```
 */
export function addLost(seqState: SeqState, seq: number, reason: string): void {
  const last = seqState.lost.at(-1);
  if (last && last.reason === reason && last.to + 1 === seq) last.to = seq;
  else seqState.lost.push({ from: seq, to: seq, reason });
  if (seqState.lost.length > 32) seqState.lost.splice(0, seqState.lost.length - 32);
}

const inProcess = new Map<string, Promise<void>>();

/**
 * Runs `fn` holding an exclusive lock named `name` in the state directory: an `flock` (other
 * runner processes, e.g. `push` beside `run`) plus an in-process queue.
 *
 * @example
 * ```ts
 * await withLock(config.stateDir, "snapshots", async () => { ... });
 * ```
 */
export async function withLock<T>(stateDir: string, name: string, fn: () => Promise<T>) {
  const key = `${stateDir}\0${name}`;
  const previous = inProcess.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((r) => release = r);
  const chained = previous.then(() => current);
  inProcess.set(key, chained);
  await previous;
  try {
    await ensureDir(stateDir);
    const file = await Deno.open(`${stateDir}/${name}.lock`, {
      create: true,
      write: true,
      mode: 0o600,
    });
    try {
      await file.lock(true);
      return await fn();
    } finally {
      file.close();
    }
  } finally {
    release();
    if (inProcess.get(key) === chained) inProcess.delete(key);
  }
}
