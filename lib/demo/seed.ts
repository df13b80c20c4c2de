/**
 * Seeding a demo fleet into the configured stores through the ingest path's own functions:
 * each generated payload is parsed (`parseStatusPush`), turned into signals
 * (`snapshotSignals`) and stored (`storeSnapshot`, with the same in-transaction work as the
 * ingest endpoint: breach reconciliation and the fleet summary), so the result is what real
 * pushes would have produced. Pushes run in time order, many at once, so the store's group
 * commit writes up to 64 of them per transaction.
 *
 * Idempotent and resumable: the organization and hosts are created only when missing, and a
 * host that already has a snapshot is not seeded again.
 *
 * @module
 */

import { sql } from "kysely";
import { appendAudit } from "../audit/append.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { createHost, type Host } from "../hosts/registry.ts";
import { toHost } from "../hosts/host.ts";
import { inSnapshotTransaction, type SnapshotTxResult } from "../ingest/ingest.ts";
import { parseStatusPush } from "../ingest/parse.ts";
import { storeSnapshot } from "../ingest/store.ts";
import { createOrg, getOrgBySlug, type Org } from "../orgs/orgs.ts";
import type { Services } from "../services.ts";
import { snapshotSignals } from "../signals/normalize.ts";
import { refreshDueSummaries } from "../hosts/summary.ts";
import {
  type DemoHost,
  demoHost,
  type FixtureSet,
  loadFixtures,
  pushesAt,
  statusPayload,
} from "./fleet_gen.ts";

/** The audit actor of what the seeder creates. */
export const SEED_ACTOR = { type: "system", id: "demo:seed" } as const;
/** Signals per host and day when no target is given: 10,000 hosts × 7 days ≈ 1,000,000. */
export const SIGNALS_PER_HOST_DAY = 14.3;
/** Pushes in flight at once (the store's group commit writes up to 64 per transaction). */
const IN_FLIGHT = 64;
const HOST_BATCH = 500;
const DAY_MS = 86_400_000;

/** What {@link seedDemo} is asked for. */
export interface SeedOptions {
  org: string;
  hosts: number;
  days: number;
  /** Target signal count (default hosts × days × {@link SIGNALS_PER_HOST_DAY}). */
  signals?: number;
  /** Snapshots per host and day; computed from `signals` when absent. */
  perDay?: number;
  seed?: number;
  /** End of the seeded period (default: the clock's now). */
  now?: Date;
  /** Called now and then while snapshots are written. */
  onProgress?: (progress: SeedProgress) => void;
}

/** Where a seed run is. */
export interface SeedProgress {
  snapshots: number;
  planned: number;
  signals: number;
  seconds: number;
}

/** What a seed run did. */
export interface SeedSummary {
  orgId: string;
  org: string;
  orgCreated: boolean;
  hosts: number;
  hostsCreated: number;
  /** Hosts skipped because they had snapshots already (an earlier run). */
  hostsSkipped: number;
  days: number;
  perDay: number;
  snapshots: number;
  signals: number;
  breachesOpened: number;
  /** Incidents the seeded critical findings opened (no escalation timers: nobody is paged). */
  incidentsOpened: number;
  /** Fleet summary rows brought up to date at the end (see `lib/hosts/summary.ts`). */
  summariesRefreshed: number;
  seconds: number;
}

/**
 * The organization `slug`, created (and audited as `org.create`) when missing.
 *
 * @example
 * ```ts
 * const { org, created } = await ensureOrg(services.ledger, "demo", new Date());
 * ```
 */
export async function ensureOrg(
  ledger: Ledger,
  slug: string,
  now: Date,
): Promise<{ org: Org; created: boolean }> {
  const existing = await getOrgBySlug(ledger, slug);
  if (existing) return { org: existing, created: false };
  const org = await writeTransaction(ledger, async (tx) => {
    const org = await createOrg(tx, { name: slug, slug, now });
    await appendAudit(tx, {
      orgId: org.id,
      actor: SEED_ACTOR,
      action: "org.create",
      target: { type: "org", id: org.id },
      summary: `organization ${slug} created by demo:seed`,
      ts: now,
    });
    return org;
  });
  return { org, created: true };
}

/**
 * The fleet's first `count` hosts in the organization, created (500 per transaction) when
 * their slug is not there yet.
 *
 * @example
 * ```ts
 * const { hosts, created } = await ensureHosts(services.ledger, org.id, 1, 25, new Date());
 * ```
 */
export async function ensureHosts(
  ledger: Ledger,
  orgId: string,
  seed: number,
  count: number,
  now: Date,
): Promise<{ hosts: Array<{ demo: DemoHost; host: Host }>; created: number }> {
  const wanted = Array.from({ length: count }, (_, i) => demoHost(seed, i));
  const rows = await ledger.db.selectFrom("hosts").selectAll().where("org_id", "=", orgId)
    .execute();
  const bySlug = new Map(rows.map((r) => [r.slug, toHost(r)]));
  const missing = wanted.filter((d) => !bySlug.has(d.name));
  for (let i = 0; i < missing.length; i += HOST_BATCH) {
    await writeTransaction(ledger, async (tx) => {
      for (const d of missing.slice(i, i + HOST_BATCH)) {
        const host = await createHost(tx, orgId, {
          name: d.name,
          slug: d.name,
          group: d.group,
          tags: d.tags,
        }, { now });
        bySlug.set(host.slug, host);
      }
    });
  }
  return {
    hosts: wanted.map((demo) => ({ demo, host: bySlug.get(demo.name)! })),
    created: missing.length,
  };
}

/**
 * Mean signals per snapshot of the generated fleet, from a sample through the real parser
 * and normalizer (to size snapshots per day for a signal target).
 *
 * @example
 * ```ts
 * const perSnapshot = await sampleSignalsPerSnapshot(fixtures, 1);
 * ```
 */
export async function sampleSignalsPerSnapshot(fx: FixtureSet, seed: number, n = 400) {
  let total = 0;
  const now = new Date();
  for (let i = 0; i < n; i++) {
    const demo = demoHost(seed, (i * 7919) % 100_000);
    const progress = (i * 613 % n) / n;
    const parsed = await parseStatusPush(
      encode(statusPayload(fx, demo, { ts: now, progress, prevProgress: progress - 0.02 }, seed)),
      { receivedAt: now, host: { id: "h", name: demo.name, slug: demo.name } },
    );
    total += snapshotSignals(parsed).length;
  }
  return total / n;
}

const encoder = new TextEncoder();
const encode = (value: unknown) => encoder.encode(JSON.stringify(value));

/**
 * Seeds the organization `opts.org` with `opts.hosts` hosts and `opts.days` days of snapshots,
 * as described in the module documentation.
 *
 * @example
 * ```ts
 * const summary = await seedDemo(services, { org: "demo", hosts: 25, days: 2 });
 * summary.signals; // signals stored
 * ```
 */
export async function seedDemo(services: Services, opts: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const seed = opts.seed ?? 1;
  const end = opts.now ?? services.clock.now();
  const fx = await loadFixtures();
  const { org, created: orgCreated } = await ensureOrg(services.ledger, opts.org, end);
  const createdAt = new Date(end.getTime() - opts.days * DAY_MS - 60_000);
  const { hosts, created } = await ensureHosts(
    services.ledger,
    org.id,
    seed,
    opts.hosts,
    createdAt,
  );
  const target = opts.signals ?? Math.round(opts.hosts * opts.days * SIGNALS_PER_HOST_DAY);
  const perDay = opts.perDay ?? Math.max(
    1,
    Math.round(target / (opts.hosts * opts.days * await sampleSignalsPerSnapshot(fx, seed))),
  );
  const todo = hosts.filter((h) => h.host.lastSnapshotAt === null);
  const slots = Math.max(1, Math.round(opts.days * perDay));
  const interval = DAY_MS / perDay;
  const planned = todo.length * slots;
  const done = { snapshots: 0, signals: 0, breaches: 0, incidents: 0 };
  let lastReport = performance.now();
  const report = () =>
    opts.onProgress?.({
      snapshots: done.snapshots,
      planned,
      signals: done.signals,
      seconds: (performance.now() - started) / 1000,
    });

  for (let slot = 0; slot < slots; slot++) {
    const progress = slots === 1 ? 1 : slot / (slots - 1);
    const prevProgress = slots === 1 ? 0 : (slot - 1) / (slots - 1);
    const due = todo.filter((h) => pushesAt(h.demo, progress));
    for (let i = 0; i < due.length; i += IN_FLIGHT) {
      await Promise.all(
        due.slice(i, i + IN_FLIGHT).map(async ({ demo, host }) => {
          // The last slot ends within a few minutes of `end`, so the fleet looks alive.
          const jitter = ((demo.index * 7_919 + slot * 104_729) % 240) * 1000;
          const ts = new Date(end.getTime() - (slots - 1 - slot) * interval - jitter - 2000);
          const receivedAt = new Date(ts.getTime() + 1500);
          const parsed = await parseStatusPush(
            encode(statusPayload(fx, demo, { ts, progress, prevProgress }, seed)),
            { receivedAt, host: { id: host.id, name: host.name, slug: host.slug } },
          );
          const signals = snapshotSignals(parsed);
          const hook = inSnapshotTransaction(services, host, receivedAt);
          const stored = await storeSnapshot(services, {
            host,
            parsed,
            signals,
            now: receivedAt,
            afterInsert: hook(parsed, signals),
          });
          if (!stored.persisted) return;
          done.snapshots++;
          done.signals += signals.length;
          const extra = stored.extra as SnapshotTxResult;
          done.breaches += extra.breaches.opened.length;
          // Incidents group in the snapshot's transaction; a demo fleet pages nobody.
          done.incidents += extra.incidents.filter((o) => o.action === "opened").length;
        }),
      );
      if (performance.now() - lastReport > 2000) {
        lastReport = performance.now();
        report();
      }
    }
  }
  report();
  // Heartbeats and decay as of now (and rows of hosts seeded before summaries existed).
  const summariesRefreshed = await refreshDueSummaries(services, services.clock.now(), {
    orgId: org.id,
    maxRows: Number.MAX_SAFE_INTEGER,
  });
  // After a bulk load the planner needs fresh statistics: without them Postgres estimated one
  // row per organization and sorted the whole fleet for the posture order (70 ms instead of 2;
  // autovacuum may be off or not have run yet). SQLite plans from its indexes alone.
  if (services.ledger.dialect === "postgres") await sql`analyze`.execute(services.ledger.db);
  return {
    orgId: org.id,
    org: org.slug,
    orgCreated,
    hosts: hosts.length,
    hostsCreated: created,
    hostsSkipped: hosts.length - todo.length,
    days: opts.days,
    perDay,
    snapshots: done.snapshots,
    signals: done.signals,
    breachesOpened: done.breaches,
    incidentsOpened: done.incidents,
    summariesRefreshed,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
