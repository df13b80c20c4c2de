/**
 * The status push, end to end (agent-protocol §1.10): rate limit → bearer key or runner
 * signature (Part 2, `push_modes.ts`) → body (capped) → parse and validate → signals → durable
 * store → summary. Nothing is written before the body has been validated.
 */
import type { Services } from "../services.ts";
import { parseStatusPush } from "./parse.ts";
import { authenticateStatusPush, storePush } from "./push_modes.ts";
import { computePosture } from "../signals/posture.ts";
import { heartbeatState } from "../signals/heartbeat.ts";
import { severityRank } from "../signals/types.ts";
import { reconcileBreaches, type ReconcileResult } from "../breaches/reconcile.ts";
import { snapshotStoredForRemediation as afterSnapshot } from "../remediation/ingest_hook.ts";
import { confirmedJtisForHost } from "../remediation/job_store.ts";
import {
  followSnapshotIncidents,
  groupSnapshotFindings,
  snapshotFindings,
} from "../incidents/ingest_hook.ts";
import type { GroupOutcome } from "../incidents/auto_open.ts";
import type { AfterSnapshotInsert } from "./store.ts";
import { noteIngest } from "../live/notes.ts";
import type { Host } from "../hosts/host.ts";
import type { Signal } from "../signals/types.ts";
import type { ParsedSnapshot } from "./types.ts";
import { noteSnapshotSummary } from "../hosts/summary.ts";

/** Per agent-protocol §0.1: status POSTs per minute per host. */
export const STATUS_POSTS_PER_MINUTE = 240;
/** Per agent-protocol §1.9. */
export const MAX_STATUS_BYTES = 1_000_000;

export interface IngestRequest {
  hostId: string;
  authorization: string | null;
  ip: string;
  /** Reads the body; called only after authentication, so anonymous bytes are never buffered. */
  readBody: (maxBytes: number) => Promise<Uint8Array>;
  /** Signed mode (agent-protocol §2.3): the request's headers, method and origin-form target. */
  headers?: Headers;
  method?: string;
  path?: string;
}

/** What a new snapshot's transaction changed besides the snapshot. */
export interface SnapshotTxResult {
  breaches: ReconcileResult;
  /** Incidents the snapshot's critical findings opened, joined or re-opened. */
  incidents: GroupOutcome[];
}

/**
 * What commits in the same ledger transaction as a new snapshot (never on a dedupe): breach
 * reconciliation, the host's fleet summary row and counters, and the incidents of its critical
 * findings. Shared by the ingest endpoint and the demo seeder, so both write the same.
 *
 * @example
 * ```ts
 * const hook = inSnapshotTransaction(services, host, now);
 * await storeSnapshot(services, { host, parsed, signals, now, afterInsert: hook(parsed, signals) });
 * ```
 */
export function inSnapshotTransaction(
  services: { config: Pick<Services["config"], "heartbeat"> },
  host: Pick<
    Host,
    "id" | "orgId" | "name" | "slug" | "group" | "tags" | "disabledAt" | "heartbeatExpectedMinutes"
  >,
  now: Date,
) {
  return (parsed: ParsedSnapshot, signals: Signal[]): AfterSnapshotInsert =>
  async (tx, snapshotId, signalRows, state): Promise<SnapshotTxResult> => {
    const breaches = await reconcileBreaches(tx, {
      orgId: host.orgId,
      hostId: host.id,
      snapshotId,
      signals,
      ts: new Date(parsed.ts),
      now,
      hostLocked: true, // the store's host update ran first in this transaction
    });
    const findings = snapshotFindings(signalRows, breaches, now);
    const incidents = findings.length === 0
      ? []
      : await groupSnapshotFindings(tx, host, findings, now);
    // Late in the transaction: the summary moves the organization's fleet counters (hot rows).
    await noteSnapshotSummary(tx, {
      host,
      snapshotId,
      state,
      now,
      heartbeat: services.config.heartbeat,
    });
    return { breaches, incidents };
  };
}

/**
 * Ingests one status push and answers with what was stored.
 *
 * @example
 * ```ts
 * const summary = await ingestStatus(services, { hostId, authorization, ip, readBody });
 * ```
 */
export async function ingestStatus(services: Services, req: IngestRequest) {
  const now = services.clock.now();
  // A malformed host id is refused by authentication, in the protocol's order (§1.10 step 2:
  // `missing_token` first; §2.4 check 7: `host_mismatch` for a signed post).
  const auth = await authenticateStatusPush(services, req, {
    now,
    maxBytes: MAX_STATUS_BYTES,
    perMinute: STATUS_POSTS_PER_MINUTE,
  });
  const { host, bytes } = auth;
  const received = await parseStatusPush(bytes, {
    receivedAt: now,
    host: { id: host.id, name: host.name, slug: host.slug, disabled: host.disabledAt !== null },
    maxBytes: MAX_STATUS_BYTES,
  });
  // Signed pushes: §2.6 warnings, `snapshot_gap`, and the `seq` compare-and-set in the store.
  // Breaches change in the snapshot's own transaction: both commit, or neither. A dedupe
  // stores nothing new, so it cannot change a breach.
  const { parsed, signals, stored, sequence } = await storePush(
    services,
    auth,
    received,
    now,
    inSnapshotTransaction(services, host, now),
  );
  const extra = stored.extra as SnapshotTxResult | undefined;
  const breaches = extra?.breaches ?? { opened: [], reopened: [], fixed: [] };
  const posture = computePosture(signals, heartbeatState(now, now));
  // Live updates (issue 7): noted alongside the hooks below, awaited before answering.
  const live = noteIngest(services, {
    host,
    stored,
    ts: parsed.ts,
    posture,
    signals,
    breaches,
    now,
  });
  // Remediation follows the host: verify succeeded fixes, confirm armed reversible changes.
  if (stored.persisted && stored.snapshotId) {
    await afterSnapshot(services, host, stored.snapshotId, parsed, signals, Boolean(auth.signed));
  }
  // Incidents grouped in the transaction: their timers and pages; fixed breaches suggest resolving.
  if (extra && stored.snapshotId) {
    await followSnapshotIncidents(
      services,
      host,
      stored.snapshotId,
      extra.incidents,
      breaches.fixed,
    );
  }
  if ("confirmedJobs" in sequence) {
    sequence.confirmedJobs = await confirmedJtisForHost(services.ledger, host.id, now);
  }
  await live;
  return {
    body: {
      ok: true as const,
      hostId: host.id,
      received: true,
      persisted: stored.persisted,
      deduped: stored.deduped,
      snapshotId: stored.snapshotId,
      ts: parsed.ts,
      warnings: parsed.warnings,
      ...parsed.counts,
      signals: [...signals]
        .sort((a, b) => severityRank(b.severity) - severityRank(a.severity))
        .map((s) => ({ code: s.code, severity: s.severity, title: s.title })),
      posture: { score: posture.score, band: posture.band, stage: posture.stage },
      breaches,
      ...sequence,
    },
    deprecatedUntil: auth.deprecatedUntil,
  };
}
