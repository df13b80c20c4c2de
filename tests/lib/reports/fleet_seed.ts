/**
 * A seeded fleet for report tests: organization A with four hosts (one pushing the drift
 * fixture, one the minimal fixture, one with a hostile name pushing the real Debian fixture, one
 * that never pushed) and incidents with known open/acknowledge/resolve times; organization B
 * with one host of its own and one incident, which A's report must never show.
 */
import { equal } from "node:assert/strict";
import { ulid } from "ulid";
import type { OperatorWorld } from "../../support/operator_world.ts";
import { createHostViaApi, fixtureJson, pushStatus } from "../../support/hosts_api.ts";

/** A host name that would inject markup if it were not escaped. */
export const HOSTILE_NAME = `<img src=x onerror="alert(1)">evil`;
/** Org B's host: must never appear in org A's report. */
export const ORG_B_HOST = "beta-secret-host";
/** When every push is collected (ten minutes before the test clock's 10:00). */
export const PUSH_TS = "2026-11-25T09:50:00.000Z";

interface SeedIncident {
  state: "open" | "acknowledged" | "resolved" | "closed";
  opened: string;
  acked?: string;
  resolved?: string;
}

/**
 * Org A's incidents for a week report ending 2026-11-25T10:00Z. In the window: acknowledged
 * after 5, 15 and 40 minutes (MTTA median 15, mean 20); resolved after 60, 120 and 14,400
 * minutes (MTTR median 120, mean 4,860); 4 opened; 2 still open (1 unacknowledged).
 */
export const INCIDENTS_A: SeedIncident[] = [
  {
    state: "resolved",
    opened: "2026-11-24T08:00:00Z",
    acked: "2026-11-24T08:05:00Z",
    resolved: "2026-11-24T09:00:00Z",
  },
  {
    state: "resolved",
    opened: "2026-11-24T12:00:00Z",
    acked: "2026-11-24T12:15:00Z",
    resolved: "2026-11-24T14:00:00Z",
  },
  { state: "acknowledged", opened: "2026-11-25T09:00:00Z", acked: "2026-11-25T09:40:00Z" },
  { state: "open", opened: "2026-11-25T09:30:00Z" },
  // Opened and acknowledged before the window, resolved inside it: counts for MTTR only.
  {
    state: "closed",
    opened: "2026-11-10T10:00:00Z",
    acked: "2026-11-10T10:02:00Z",
    resolved: "2026-11-20T10:00:00Z",
  },
  // Entirely before the window.
  {
    state: "closed",
    opened: "2026-11-01T10:00:00Z",
    acked: "2026-11-01T10:01:00Z",
    resolved: "2026-11-01T11:00:00Z",
  },
];

/** Inserts incidents rows as they would be after their lifecycle. */
export async function insertIncidents(
  w: OperatorWorld,
  orgId: string,
  incidents: SeedIncident[],
): Promise<void> {
  const date = (iso: string | undefined) => iso === undefined ? null : new Date(iso);
  for (const [i, inc] of incidents.entries()) {
    await w.services.ledger.db.insertInto("incidents").values({
      id: `inc_${ulid()}`,
      org_id: orgId,
      title: `Seeded incident ${i + 1}`,
      summary: "seeded for the report test",
      severity: "high",
      state: inc.state,
      host_id: null,
      source: "manual",
      created_by: "system",
      opened_at: new Date(inc.opened),
      acknowledged_at: date(inc.acked),
      resolved_at: date(inc.resolved),
      closed_at: inc.state === "closed" ? date(inc.resolved) : null,
      updated_at: new Date(inc.resolved ?? inc.acked ?? inc.opened),
    }).execute();
  }
}

/** Counts of org rows that something else (automatic incident opening) may have added. */
export async function incidentBaseline(w: OperatorWorld, orgId: string) {
  const rows = await w.services.ledger.db.selectFrom("incidents").select(["state"])
    .where("org_id", "=", orgId).execute();
  return {
    total: rows.length,
    open: rows.filter((r) => r.state === "open").length,
    acknowledged: rows.filter((r) => r.state === "acknowledged").length,
  };
}

/** What {@link seedFleet} made. */
export interface SeededFleet {
  hostIds: { web: string; db: string; evil: string; silent: string; beta: string };
  /** Incidents in org A before the seeded ones (opened automatically by ingest, if at all). */
  baseline: { total: number; open: number; acknowledged: number };
}

/**
 * Seeds both organizations (see the module comment); pushes are collected at {@link PUSH_TS}.
 *
 * @example
 * ```ts
 * await using w = await operatorWorld();
 * const fleet = await seedFleet(w);
 * ```
 */
export async function seedFleet(w: OperatorWorld): Promise<SeededFleet> {
  const web = await createHostViaApi(w, "web-1");
  const db = await createHostViaApi(w, "db-1");
  const evil = await createHostViaApi(w, "evil-1", { name: HOSTILE_NAME });
  const silent = await createHostViaApi(w, "silent-1");
  await pushStatus(w, web, await fixtureJson("status-drift.json"), PUSH_TS);
  await pushStatus(w, db, await fixtureJson("status-minimal.json"), PUSH_TS);
  await pushStatus(w, evil, await fixtureJson("status-real-debian.json"), PUSH_TS);

  const res = await w.app.request("/api/hosts", {
    method: "POST",
    headers: w.headers(w.ownerB, { "content-type": "application/json" }),
    body: JSON.stringify({ name: ORG_B_HOST, slug: "beta-1" }),
  });
  equal(res.status, 201, await res.clone().text());
  const beta = await res.json();
  await pushStatus(w, beta, await fixtureJson("status-ioc-outbound.json"), PUSH_TS);

  const baseline = await incidentBaseline(w, w.orgA.id);
  await insertIncidents(w, w.orgA.id, INCIDENTS_A);
  await insertIncidents(w, w.orgB.id, [
    { state: "acknowledged", opened: "2026-11-25T08:00:00Z", acked: "2026-11-25T09:59:00Z" },
  ]);
  return {
    hostIds: {
      web: web.host.id,
      db: db.host.id,
      evil: evil.host.id,
      silent: silent.host.id,
      beta: beta.host.id,
    },
    baseline,
  };
}
