/**
 * The two ways a status push authenticates (agent-protocol §1.10 and Part 2), and how each is
 * stored: bearer pushes by the agent (rate limit per key, then the key, then the body, deduped
 * by payload), signed pushes by the host runner (§2.4 checks, then §2.6: `seq` required, stale
 * refused, gaps recorded as a `snapshot_gap` signal, `lastAcceptedSeq` advanced in the same
 * transaction as the snapshot; then `runner.lost` explains earlier recorded gaps). Both then
 * share `ingestStatus`'s parse / signals / store path.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { HttpError } from "../fresh/errors.ts";
import { authenticateHostBearer } from "../hosts/keys.ts";
import type { Host } from "../hosts/registry.ts";
import type { Services } from "../services.ts";
import { snapshotSignals } from "../signals/normalize.ts";
import type { Signal } from "../signals/types.ts";
import type { IngestRequest } from "./ingest.ts";
import { takeToken } from "./rate_limit.ts";
import {
  assertFreshSeq,
  explainRecordedGaps,
  gapSignal,
  lastAcceptedSeq,
  type LostRange,
  runnerLost,
  sequenceClaim,
  type SequenceGap,
  sequenceGap,
  SequenceMoved,
} from "./sequence.ts";
import { isSignedRequest, MAX_CLOCK_SKEW_S, verifySignedRequest } from "./signed.ts";
import { type AfterSnapshotInsert, type StoredSnapshot, storeSnapshot } from "./store.ts";
import type { ParsedSnapshot } from "./types.ts";

/** An authenticated push with its body. */
export interface AuthenticatedPush {
  host: Host;
  bytes: Uint8Array;
  /** Bearer key in grace: its end, for `X-Sentry-Key-Deprecated`. */
  deprecatedUntil?: string;
  /**
   * Signed pushes: the received `X-Sentry-Seq` and `X-Sentry-Timestamp`, and the host's
   * `lastAcceptedSeq` as authentication read it (`seq` was above it then).
   */
  signed?: { seq: number; timestamp: number; bodySha256: string; lastAcceptedSeq: number | null };
}

/** What the signed path adds to the response (§2.7); empty for bearer pushes. */
export type SequenceSummary =
  | Record<never, never>
  | { seq: number; lastAcceptedSeq: number; gap: SequenceGap | null; confirmedJobs: string[] };

/** The body as JSON (it parsed once already; null on any surprise). */
function parseOrNull(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/**
 * Whether the body may carry `runner.lost`: a byte search, so the common body (the runner never
 * lost anything) is not parsed a second time.
 */
function mentionsLost(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('"lost"');
}

/**
 * §2.6 follow-up once a signed snapshot is stored: its `runner.lost` ranges explain earlier
 * recorded gaps. The snapshot is stored already, so a failure here is logged, never answered
 * as an error (a retry would only be a stale seq); the next snapshot carries the ranges again.
 */
async function explainEarlierGaps(
  services: Services,
  host: Host,
  lost: readonly LostRange[],
  seq: number,
  now: Date,
): Promise<void> {
  if (lost.length === 0) return;
  try {
    const explained = await explainRecordedGaps(services.ledger, host, lost, seq, now);
    if (explained > 0) {
      services.log.info("sequence gaps explained", { hostId: host.id, seq, explained });
    }
  } catch (error) {
    services.log.warn("explaining sequence gaps failed", {
      hostId: host.id,
      seq,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** Compare-and-set retries when concurrent posts move `lastAcceptedSeq` under us. */
const SEQ_RETRIES = 8;

/**
 * Authenticates a status POST: `400 auth_mode_conflict` when both `Authorization` and
 * `X-Sentry-Signature` are sent; signed (§2.4, then `400 seq_required` and `409 stale_seq`)
 * when a signature is sent; bearer otherwise. Reads the body only after authentication.
 *
 * @example
 * ```ts
 * const auth = await authenticateStatusPush(services, req, { now, maxBytes: 1_000_000, perMinute: 240 });
 * ```
 */
export async function authenticateStatusPush(
  services: Services,
  req: IngestRequest,
  opts: { now: Date; maxBytes: number; perMinute: number },
): Promise<AuthenticatedPush> {
  const signedMode = req.headers !== undefined && isSignedRequest(req.headers);
  if (signedMode && req.authorization !== null) {
    throw new HttpError(
      400,
      "Send either `Authorization: Bearer …` or the X-Sentry-* signature headers, not both.",
      { code: "auth_mode_conflict" },
    );
  }
  if (signedMode) {
    const verified = await verifySignedRequest(services, {
      method: req.method ?? "POST",
      path: req.path ?? `/api/hosts/${req.hostId}/status`,
      headers: req.headers!,
      routeHostId: req.hostId,
      requiredScope: "host.status.write",
      rateLimit: { bucket: "status", perMinute: opts.perMinute },
      maxBodyBytes: opts.maxBytes,
      readBody: req.readBody,
    });
    const { seq } = verified.signed;
    if (seq === null) {
      throw new HttpError(
        400,
        "Signed status posts need X-Sentry-Seq (the snapshot's sequence number, signed).",
        { code: "seq_required" },
      );
    }
    // Cheap early refusal before parsing; the transaction re-checks it atomically.
    const last = await lastAcceptedSeq(services.ledger, verified.host.id);
    await assertFreshSeq(services.ledger, verified.host.id, Number(seq), verified.bodySha256, last);
    return {
      host: verified.host,
      bytes: verified.body,
      signed: {
        seq: Number(seq),
        timestamp: Number(verified.signed.timestamp),
        bodySha256: verified.bodySha256,
        lastAcceptedSeq: last,
      },
    };
  }
  const auth = await authenticateHostBearer(services.ledger, {
    hostId: req.hostId,
    authorization: req.authorization,
    requiredScope: "host.status.write",
    now: opts.now,
    ip: req.ip,
    statusPost: true,
  });
  // Per key, after authentication: a limit taken before it would let anyone who knows a host id
  // use up that host's budget and silence its real agent.
  const limit = await takeToken(services.kv, {
    bucket: `status:${auth.key.id}`,
    limit: opts.perMinute,
    windowMs: 60_000,
    now: opts.now,
  });
  if (!limit.ok) {
    throw new HttpError(
      429,
      `Too many status posts for this host; retry in ${limit.retryAfterS} s.`,
      {
        code: "rate_limited",
        headers: { "retry-after": String(limit.retryAfterS) },
        details: { retryAfterSeconds: limit.retryAfterS },
      },
    );
  }
  return {
    host: auth.host,
    bytes: await req.readBody(opts.maxBytes),
    ...(auth.deprecatedUntil ? { deprecatedUntil: auth.deprecatedUntil } : {}),
  };
}

/**
 * The signed path's warnings (§2.6): the bearer skew warning does not apply (a spooled snapshot
 * may be hours old); `ingest_backfill:<N>m` past 10 min, `ingest_ts_after_signature` when `ts`
 * is more than 300 s after `X-Sentry-Timestamp`.
 */
function signedWarnings(parsed: ParsedSnapshot, signedAt: number, now: Date): string[] {
  const warnings = parsed.warnings.filter((w) => !w.startsWith("ingest_clock_skew_high:"));
  const tsMs = Date.parse(parsed.ts);
  const lagMin = (now.getTime() - tsMs) / 60_000;
  if (lagMin > 10) warnings.push(`ingest_backfill:${Math.round(lagMin)}m`);
  if (tsMs - signedAt * 1000 > MAX_CLOCK_SKEW_S * 1000) warnings.push("ingest_ts_after_signature");
  return warnings;
}

/**
 * Derives the signals and stores the snapshot. Bearer: as `storeSnapshot` does. Signed: with
 * the §2.6 warnings, a `snapshot_gap` signal when `seq` skips numbers, and the `seq`
 * compare-and-set inside the store's transaction, retried with a fresh gap when a concurrent
 * post moved `lastAcceptedSeq` below `seq` (one that moved to or past it is `409 stale_seq`).
 *
 * @example
 * ```ts
 * const { parsed: final, signals, stored, sequence } = await storePush(services, auth, parsed, now);
 * ```
 */
export async function storePush(
  services: Services,
  auth: AuthenticatedPush,
  parsed: ParsedSnapshot,
  now: Date,
  /** What commits with the snapshot, given the stored parse and signals. */
  afterInsert?: (parsed: ParsedSnapshot, signals: Signal[]) => AfterSnapshotInsert,
): Promise<
  { parsed: ParsedSnapshot; signals: Signal[]; stored: StoredSnapshot; sequence: SequenceSummary }
> {
  const { host, signed } = auth;
  if (!signed) {
    const signals = snapshotSignals(parsed);
    return {
      parsed,
      signals,
      stored: await storeSnapshot(services, {
        host,
        parsed,
        signals,
        now,
        afterInsert: afterInsert?.(parsed, signals),
      }),
      sequence: {},
    };
  }
  const final = { ...parsed, warnings: signedWarnings(parsed, signed.timestamp, now) };
  const base = snapshotSignals(final);
  let lost: ReturnType<typeof runnerLost> | undefined;
  // First attempt: the value authentication read and checked (the claim in the transaction
  // re-checks it atomically); after a SequenceMoved, read it again.
  let last = signed.lastAcceptedSeq;
  for (let attempt = 0;; attempt++) {
    if (attempt > 0) {
      last = await lastAcceptedSeq(services.ledger, host.id);
      await assertFreshSeq(services.ledger, host.id, signed.seq, signed.bodySha256, last);
    }
    const gap = sequenceGap(last, signed.seq);
    if (gap && lost === undefined) lost = runnerLost(parseOrNull(auth.bytes));
    const signals = gap ? [...base, gapSignal(gap, lost ?? [], final.ts)] : base;
    try {
      const stored = await storeSnapshot(services, {
        host,
        parsed: final,
        signals,
        now,
        sequence: sequenceClaim(host.id, signed.seq, last, signed.bodySha256),
        afterInsert: afterInsert?.(final, signals),
      });
      if (lost === undefined && mentionsLost(auth.bytes)) {
        lost = runnerLost(parseOrNull(auth.bytes));
      }
      await explainEarlierGaps(services, host, lost ?? [], signed.seq, now);
      return {
        parsed: final,
        signals,
        stored,
        sequence: { seq: signed.seq, lastAcceptedSeq: signed.seq, gap, confirmedJobs: [] },
      };
    } catch (error) {
      if (!(error instanceof SequenceMoved) || attempt >= SEQ_RETRIES) throw error;
    }
  }
}
