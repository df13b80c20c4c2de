/**
 * Breach reconciliation: after a snapshot is stored, its promoted signals open, refresh,
 * re-open or fix breaches of the host (issue 4 item 8, product §1.6). One write transaction per
 * snapshot, with the host row locked (Postgres `for update`; SQLite write transactions are
 * exclusive), so concurrent pushes for one host never race on the `(host_id, fingerprint)` row.
 *
 * Rules, per fingerprint:
 * - present, no row → a new `open` breach;
 * - present, `open` → `last_seen_at` refreshed (title, detail and evidence follow the newest);
 * - present, `mitigated` (a remediation ran, product §1.1) → stays `mitigated`, refreshed: the
 *   run is flagged `unverified` instead, and an operator decides (re-open or fix by hand);
 * - present, `fixed` → re-opened: the same row (`reopen_count` + 1), never a new one — a signal
 *   that flaps is one breach with a history, however often it comes back;
 * - present, `ignored` → stays ignored until `ignored_until`; once that has passed (wall
 *   clock), re-opened;
 * - absent from a snapshot collected after the newest one that decided the breach (`checked_at`)
 *   → `open`/`mitigated` become `fixed`; an `ignored` one whose expiry passed becomes `fixed`.
 *
 * "Later" is the snapshot collection time `ts`: a late, older snapshot (backfill, replay) never
 * re-decides a breach a newer one decided. Breaches an operator created and no snapshot ever
 * showed (`checked_at` null) are never fixed by absence. Every state change writes a
 * `breach_events` row.
 *
 * @module
 */

import type { Selectable } from "kysely";
import { prepared, preparedList } from "../db/ledger/prepared.ts";
import type { BreachesTable } from "../db/ledger/schema.ts";
import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { toDateOrNull } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { severityRank, type Signal } from "../signals/types.ts";
import {
  type Breach,
  changeState,
  insertBreachEvent,
  nextBreachId,
  pgSafe,
  SYSTEM_ACTOR,
  toBreach,
} from "./model.ts";
import { isPromoted } from "./promote.ts";

/** A signal that re-appears this soon after its fix is reported as flapping (same breach). */
export const FLAP_WINDOW_MS = 30 * 60_000;
/** Fingerprints looked up per query (bounded parameter lists on both dialects). */
const FP_BATCH = 500;

/** One breach a reconciliation changed, as the ingest response lists it. */
export interface BreachChange {
  id: string;
  fingerprint: string;
  code: string;
  severity: Breach["severity"];
  title: string;
}

/** What {@link reconcileBreaches} did. */
export interface ReconcileResult {
  opened: BreachChange[];
  reopened: BreachChange[];
  fixed: BreachChange[];
}

/** Input of {@link reconcileBreaches}. */
export interface ReconcileInput {
  orgId: string;
  hostId: string;
  /** The stored snapshot these signals came from. */
  snapshotId: string | null;
  /** Every signal of the snapshot (promotion is decided here). */
  signals: readonly Signal[];
  /** Snapshot collection time. */
  ts: Date;
  /** Wall-clock time (events, ignore expiry). */
  now: Date;
  /**
   * The caller's transaction has already locked the host row and proved it is in `orgId`
   * (the ingest store updates it first): skip the lock query.
   */
  hostLocked?: boolean;
}

const change = (b: Pick<Breach, "id" | "fingerprint" | "code" | "severity" | "title">) => ({
  id: b.id,
  fingerprint: b.fingerprint,
  code: b.code,
  severity: b.severity,
  title: b.title,
});

/** The most severe signal per fingerprint among the promoted ones. */
function promotedByFingerprint(signals: readonly Signal[]): Map<string, Signal> {
  const out = new Map<string, Signal>();
  for (const s of signals) {
    if (!isPromoted(s)) continue;
    const fp = pgSafe(s.fingerprint);
    const seen = out.get(fp);
    if (!seen || severityRank(s.severity) > severityRank(seen.severity)) out.set(fp, s);
  }
  return out;
}

/** Columns describing the finding, from its newest signal. */
function findingColumns(s: Signal) {
  return {
    code: pgSafe(s.code),
    severity: s.severity,
    title: pgSafe(s.title),
    detail: pgSafe(s.detail),
    evidence: s.evidence === undefined ? null : pgSafe(JSON.stringify(s.evidence)),
  };
}

/**
 * Reconciles the host's breaches with one stored snapshot's signals.
 *
 * Per push this reads the host's candidate breaches with one statement and, in the common case
 * (the same findings as last time), writes them with one more: open breaches whose finding did
 * not change only get `last_seen_at`/`checked_at` moved, in one `update … where id in (…)`.
 *
 * @example
 * ```ts
 * const { opened, reopened, fixed } = await reconcileBreaches(ledger, {
 *   orgId: host.orgId, hostId: host.id, snapshotId, signals, ts: new Date(parsed.ts), now,
 * });
 * ```
 */
export function reconcileBreaches(
  ledger: LedgerTx,
  input: ReconcileInput,
): Promise<ReconcileResult> {
  const { orgId, hostId, ts, now } = input;
  const promoted = promotedByFingerprint(input.signals);
  const actor = SYSTEM_ACTOR;
  const snapshotId = input.snapshotId;
  return writeTransaction(ledger, async (tx) => {
    if (!input.hostLocked) await lockHost(tx, orgId, hostId);
    const result: ReconcileResult = { opened: [], reopened: [], fixed: [] };
    const rows = await loadCandidates(tx, hostId, [...promoted.keys()]);
    const byFp = new Map(rows.map((b) => [b.fingerprint, b]));
    /** Unchanged findings still shown: only their times move (one statement for all). */
    const seenAgain: string[] = [];
    /** Ignored breaches a snapshot no longer shows: only `checked_at` moves. */
    const checkedOnly: string[] = [];

    for (const [fp, signal] of promoted) {
      const breach = byFp.get(fp);
      const finding = findingColumns(signal);
      if (!breach) {
        const id = nextBreachId(now.getTime());
        await tx.db.insertInto("breaches").values({
          id,
          org_id: orgId,
          host_id: hostId,
          fingerprint: fp,
          ...finding,
          state: "open",
          opened_at: now,
          last_seen_at: ts,
          checked_at: ts,
          state_changed_at: now,
          reopen_count: 0,
          created_by: "system",
        }).execute();
        const created = { id, orgId, fingerprint: fp, ...finding };
        await insertBreachEvent(tx, created, null, {
          to: "open",
          actor,
          now,
          snapshotId,
          reason: "opened by a snapshot",
        });
        result.opened.push(change(created));
        continue;
      }
      // An older snapshot than the one that last decided this breach changes nothing.
      if (breach.checkedAt !== null && ts.getTime() <= breach.checkedAt.getTime()) continue;
      const expired = breach.state === "ignored" && breach.ignoredUntil !== null &&
        breach.ignoredUntil.getTime() <= now.getTime();
      if (
        breach.state === "open" || breach.state === "mitigated" ||
        (breach.state === "ignored" && !expired)
      ) {
        // Title, detail and evidence follow the newest signal; written only when they changed.
        if (sameFinding(breach, finding)) seenAgain.push(breach.id);
        else await refreshFinding(tx, { ...finding, ts, id: breach.id });
        continue;
      }
      const flapped = breach.state === "fixed" && breach.checkedAt !== null &&
        ts.getTime() - breach.checkedAt.getTime() <= FLAP_WINDOW_MS;
      const reason = breach.state === "fixed"
        ? (flapped ? "flapped: back within the dedupe window of its fix" : "seen again")
        : "ignore expired; still present";
      await tx.db.updateTable("breaches").set(finding).where("id", "=", breach.id).execute();
      await changeState(tx, breach, {
        to: "open",
        actor,
        now,
        snapshotId,
        reason,
        set: {
          last_seen_at: ts,
          checked_at: ts,
          fixed_at: null,
          ignored_until: null,
          reopen_count: breach.reopenCount + 1,
        },
      });
      result.reopened.push(change({ ...breach, ...finding }));
    }

    for (const breach of rows) {
      if (promoted.has(breach.fingerprint) || breach.state === "fixed") continue;
      // Never shown by a snapshot (created by hand), or decided by a newer snapshot already.
      if (breach.checkedAt === null || ts.getTime() <= breach.checkedAt.getTime()) continue;
      const expired = breach.ignoredUntil !== null &&
        breach.ignoredUntil.getTime() <= now.getTime();
      if (breach.state === "ignored" && !expired) {
        checkedOnly.push(breach.id);
        continue;
      }
      await changeState(tx, breach, {
        to: "fixed",
        actor,
        now,
        snapshotId,
        reason: "a later snapshot no longer shows it",
        set: { fixed_at: now, checked_at: ts, ignored_until: null },
      });
      result.fixed.push(change(breach));
    }
    if (seenAgain.length > 0) await markSeen(tx, { ts }, seenAgain);
    if (checkedOnly.length > 0) await markChecked(tx, { ts }, checkedOnly);
    return result;
  });
}

/** What reconciliation reads of a breach (no JSON parsing of the evidence). */
type Candidate =
  & Pick<
    Breach,
    "id" | "orgId" | "fingerprint" | "code" | "severity" | "title" | "detail" | "state"
  >
  & Pick<Breach, "checkedAt" | "ignoredUntil" | "reopenCount">
  & { evidenceText: string | null };

const CANDIDATE_COLUMNS = [
  "id",
  "org_id",
  "fingerprint",
  "code",
  "severity",
  "title",
  "detail",
  "evidence",
  "state",
  "checked_at",
  "ignored_until",
  "reopen_count",
] as const;
type CandidateRow = Pick<Selectable<BreachesTable>, typeof CANDIDATE_COLUMNS[number]>;

function toCandidate(row: CandidateRow): Candidate {
  return {
    id: row.id,
    orgId: row.org_id,
    fingerprint: row.fingerprint,
    code: row.code,
    severity: row.severity,
    title: row.title,
    detail: row.detail,
    evidenceText: row.evidence,
    state: row.state,
    checkedAt: toDateOrNull(row.checked_at),
    ignoredUntil: toDateOrNull(row.ignored_until),
    reopenCount: Number(row.reopen_count),
  };
}

function sameFinding(breach: Candidate, finding: ReturnType<typeof findingColumns>): boolean {
  return breach.code === finding.code && breach.severity === finding.severity &&
    breach.title === finding.title && breach.detail === finding.detail &&
    breach.evidenceText === finding.evidence;
}

// Statements of every push, compiled once per dialect (see prepared.ts).
/** Fingerprints up to this many are looked up in the same statement as the unfixed breaches. */
const COMBINED_MAX = 32;
const unfixedBreaches = prepared<{ hostId: string }, CandidateRow>((db, p) =>
  db.selectFrom("breaches").select(CANDIDATE_COLUMNS)
    .where("host_id", "=", p("hostId")).where("state", "!=", "fixed")
);
const candidateBreaches = preparedList<{ hostId: string }, CandidateRow>(
  COMBINED_MAX,
  (db, p, fps) =>
    db.selectFrom("breaches").select(CANDIDATE_COLUMNS).where("host_id", "=", p("hostId"))
      .where((eb) => eb.or([eb("state", "!=", "fixed"), eb("fingerprint", "in", fps)])),
);
const fixedBreaches = preparedList<{ hostId: string }, CandidateRow>(
  FP_BATCH,
  (db, p, fps) =>
    db.selectFrom("breaches").select(CANDIDATE_COLUMNS).where("host_id", "=", p("hostId"))
      .where("state", "=", "fixed").where("fingerprint", "in", fps),
);
const refreshFinding = prepared<
  ReturnType<typeof findingColumns> & { ts: Date; id: string },
  never
>(
  (db, p) =>
    db.updateTable("breaches").set({
      code: p("code"),
      severity: p("severity"),
      title: p("title"),
      detail: p("detail"),
      evidence: p("evidence"),
      last_seen_at: p("ts"),
      checked_at: p("ts"),
    }).where("id", "=", p("id")),
);
const markSeen = preparedList<{ ts: Date }, never>(
  FP_BATCH,
  (db, p, ids) =>
    db.updateTable("breaches").set({ last_seen_at: p("ts"), checked_at: p("ts") })
      .where("id", "in", ids),
);
const markChecked = preparedList<{ ts: Date }, never>(
  FP_BATCH,
  (db, p, ids) => db.updateTable("breaches").set({ checked_at: p("ts") }).where("id", "in", ids),
);

/** Locks the host row for the transaction (Postgres); 404 when it is gone. */
async function lockHost(tx: LedgerTx, orgId: string, hostId: string): Promise<void> {
  let query = tx.db.selectFrom("hosts").select("id")
    .where("id", "=", hostId).where("org_id", "=", orgId);
  if (tx.dialect === "postgres") query = query.forUpdate();
  if (!(await query.executeTakeFirst())) {
    throw new HttpError(404, "No such host.", { code: "host_not_found" });
  }
}

/** Every unfixed breach of the host, and the fixed ones among `fingerprints`. */
async function loadCandidates(
  tx: LedgerTx,
  hostId: string,
  fingerprints: string[],
): Promise<Candidate[]> {
  if (fingerprints.length > 0 && fingerprints.length <= COMBINED_MAX) {
    return (await candidateBreaches(tx, { hostId }, fingerprints)).map(toCandidate);
  }
  const rows = (await unfixedBreaches(tx, { hostId })).rows;
  if (fingerprints.length > 0) rows.push(...await fixedBreaches(tx, { hostId }, fingerprints));
  return rows.map(toCandidate);
}

/**
 * Ends expired ignores (the cron side of expiry; reconciliation also checks at each snapshot):
 * an ignored breach whose `ignored_until` has passed becomes `open` when the newest snapshot
 * that decided it still showed it (or none ever did), else `fixed`. Returns how many changed;
 * running it again changes nothing more.
 *
 * @example
 * ```ts
 * const changed = await expireIgnoredBreaches(ledger, clock.now());
 * ```
 */
export async function expireIgnoredBreaches(ledger: LedgerTx, now: Date): Promise<number> {
  let changed = 0;
  while (true) {
    const batch = await writeTransaction(ledger, async (tx) => {
      let query = tx.db.selectFrom("breaches").selectAll()
        .where("state", "=", "ignored").where("ignored_until", "is not", null)
        .where("ignored_until", "<=", now).orderBy("id").limit(200);
      if (tx.dialect === "postgres") query = query.forUpdate().skipLocked();
      const rows = (await query.execute()).map(toBreach);
      for (const breach of rows) {
        const present = breach.checkedAt === null ||
          breach.lastSeenAt.getTime() >= breach.checkedAt.getTime();
        await changeState(tx, breach, {
          to: present ? "open" : "fixed",
          actor: SYSTEM_ACTOR,
          now,
          reason: present ? "ignore expired; still present" : "ignore expired; no longer present",
          set: present
            ? { ignored_until: null, reopen_count: breach.reopenCount + 1 }
            : { ignored_until: null, fixed_at: now },
        });
      }
      return rows.length;
    });
    changed += batch;
    if (batch < 200) return changed;
  }
}
