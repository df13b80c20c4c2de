/**
 * What a plan builder and a verification predicate see of a host: its latest snapshot's
 * `status` object and the signals stored with it. Read from the ledger, by the snapshot the KV
 * latest state points at (the newest by collection time).
 *
 * @module
 */

import type { Host } from "../hosts/registry.ts";
import { latestHostState } from "../ingest/store.ts";
import { getSnapshot, type Snapshot } from "../ingest/snapshots.ts";
import type { Services } from "../services.ts";
import type { Severity, Signal, SignalSource } from "../signals/types.ts";
import type { PlanInput } from "./types.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate } from "../db/ledger/values.ts";

/** Signals read per snapshot; a snapshot carries far fewer. */
const MAX_SIGNALS = 2_000;

function parseOr<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * The signals stored with one snapshot.
 *
 * @example
 * ```ts
 * const signals = await signalsOfSnapshot(services.ledger, org.id, snapshotId);
 * ```
 */
export async function signalsOfSnapshot(
  ledger: LedgerTx,
  orgId: string,
  snapshotId: string,
): Promise<Signal[]> {
  const rows = await ledger.db.selectFrom("signals").selectAll()
    .where("org_id", "=", orgId).where("snapshot_id", "=", snapshotId)
    .orderBy("id").limit(MAX_SIGNALS).execute();
  return rows.map((r) => {
    const signal: Signal = {
      code: r.code,
      severity: r.severity as Severity,
      title: r.title,
      detail: r.detail,
      ts: toDate(r.ts).toISOString(),
      source: r.source as SignalSource,
      fingerprint: r.fingerprint,
    };
    const evidence = parseOr<Record<string, unknown> | null>(r.evidence, null);
    if (evidence) signal.evidence = evidence;
    const mitre = parseOr<string[] | null>(r.mitre, null);
    if (mitre) signal.mitre = mitre;
    return signal;
  });
}

/**
 * A {@link PlanInput} from one stored snapshot (or none).
 *
 * @example
 * ```ts
 * const input = await planInputOfSnapshot(services.ledger, host, snapshot);
 * ```
 */
export async function planInputOfSnapshot(
  ledger: LedgerTx,
  host: Pick<Host, "id" | "name" | "orgId">,
  snapshot: Snapshot | null,
): Promise<PlanInput> {
  return {
    host: { id: host.id, name: host.name, orgId: host.orgId },
    snapshot: snapshot?.base ?? null,
    last: snapshot?.last ?? null,
    diff: snapshot?.diff ?? null,
    signals: snapshot ? await signalsOfSnapshot(ledger, host.orgId, snapshot.id) : [],
    snapshotTs: snapshot?.ts.toISOString() ?? null,
  };
}

/**
 * The host's latest state as a {@link PlanInput}: its newest snapshot and that snapshot's
 * signals (no snapshot yet: `snapshot` null, no signals).
 *
 * @example
 * ```ts
 * const input = await loadPlanInput(services, host);
 * const plan = await buildActionPlan("lockdown-access-surface", input, {});
 * ```
 */
export async function loadPlanInput(
  services: Pick<Services, "kv" | "ledger">,
  host: Pick<Host, "id" | "name" | "orgId">,
): Promise<PlanInput> {
  const state = await latestHostState(services.kv, host.orgId, host.id);
  let snapshot = state ? await getSnapshot(services.ledger, host.orgId, state.snapshotId) : null;
  if (!snapshot) {
    const newest = await services.ledger.db.selectFrom("snapshots").select("id")
      .where("host_id", "=", host.id).where("org_id", "=", host.orgId)
      .orderBy("ts", "desc").orderBy("id", "desc").limit(1).executeTakeFirst();
    snapshot = newest ? await getSnapshot(services.ledger, host.orgId, newest.id) : null;
  }
  return await planInputOfSnapshot(services.ledger, host, snapshot);
}
