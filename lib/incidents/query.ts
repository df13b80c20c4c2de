/**
 * Reading incidents: a filtered, cursor-paged list per organization with counts per state and
 * of overdue acknowledgements, and one incident with its timeline and linked items.
 *
 * @module
 */

import type { Ledger } from "../db/ledger/mod.ts";
import { pageLimit, toDate } from "../db/ledger/values.ts";
import { pageOf } from "../http/paging.ts";
import type { IncidentListQuery } from "./list_input.ts";
import {
  type Incident,
  type IncidentEvent,
  type IncidentSeverity,
  type IncidentState,
  type LinkKind,
  toIncident,
  toIncidentEvent,
} from "./model.ts";

/** Longest page of {@link listIncidents}. */
export const MAX_INCIDENTS_PAGE = 200;

/** Filters and paging of {@link listIncidents}. */
export interface ListIncidentsOptions {
  state?: IncidentState;
  severity?: IncidentSeverity;
  hostId?: string;
  assigneeId?: string;
  /** Only open incidents past their acknowledgement deadline. */
  overdue?: boolean;
  /** Page size 1-200 (default 50). */
  limit?: number;
  /** The id of the last incident of the previous page. */
  after?: string;
}

/**
 * The {@link listIncidents} options of a list query as `incidentListQuery` parses it (the API and
 * the incidents page read the same query string).
 *
 * @example
 * ```ts
 * await listIncidents(ledger, org.id, incidentListOptions(incidentListQuery(ctx.url)), now);
 * ```
 */
export function incidentListOptions(q: IncidentListQuery): ListIncidentsOptions {
  return {
    state: q.state,
    severity: q.severity,
    hostId: q.host,
    assigneeId: q.assignee,
    overdue: q.overdue,
    limit: q.limit,
    after: q.after,
  };
}

/** Counts of the organization's incidents. */
export interface IncidentCounts {
  open: number;
  acknowledged: number;
  resolved: number;
  closed: number;
  /** Open and past the acknowledgement deadline. */
  overdue: number;
}

/**
 * True when an open incident is past its acknowledgement deadline.
 *
 * @example
 * ```ts
 * isOverdue(incident, clock.now());
 * ```
 */
export function isOverdue(incident: Pick<Incident, "state" | "ackDueAt">, now: Date): boolean {
  return incident.state === "open" && incident.ackDueAt !== null &&
    incident.ackDueAt.getTime() <= now.getTime();
}

/**
 * The organization's incidents, newest first. Another organization's host or assignee simply
 * matches nothing.
 *
 * @example
 * ```ts
 * const page = await listIncidents(ledger, org.id, { state: "open", overdue: true }, now);
 * ```
 */
export async function listIncidents(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  options: ListIncidentsOptions,
  now: Date,
): Promise<Incident[]> {
  return await selectIncidents(
    ledger,
    orgId,
    options,
    pageLimit(options.limit, MAX_INCIDENTS_PAGE, 50),
    now,
  );
}

/** One page of {@link listIncidentsPage}. */
export interface IncidentPage {
  incidents: Incident[];
  /** The `after` of the next page; null when no incident is left (never an empty next page). */
  nextCursor: string | null;
}

/**
 * One page of the organization's incidents, newest first, and the cursor of the next page only
 * when more incidents match (it reads `limit + 1`).
 *
 * @example
 * ```ts
 * const { incidents, nextCursor } = await listIncidentsPage(ledger, org.id, { limit: 20 }, now);
 * ```
 */
export async function listIncidentsPage(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  options: ListIncidentsOptions,
  now: Date,
): Promise<IncidentPage> {
  const limit = pageLimit(options.limit, MAX_INCIDENTS_PAGE, 50);
  const rows = await selectIncidents(ledger, orgId, options, limit + 1, now);
  const { items, nextCursor } = pageOf(rows, limit, (last) => last.id);
  return { incidents: items, nextCursor };
}

async function selectIncidents(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  options: ListIncidentsOptions,
  limit: number,
  now: Date,
): Promise<Incident[]> {
  let query = ledger.db.selectFrom("incidents").selectAll().where("org_id", "=", orgId);
  if (options.state) query = query.where("state", "=", options.state);
  if (options.severity) query = query.where("severity", "=", options.severity);
  if (options.hostId) {
    const hostId = options.hostId;
    query = query.where((eb) =>
      eb.or([
        eb("host_id", "=", hostId),
        eb("id", "in", (sub) =>
          sub.selectFrom("incident_links").select("incident_id")
            .where("kind", "=", "host").where("ref_id", "=", hostId)),
      ])
    );
  }
  if (options.assigneeId) query = query.where("assignee_id", "=", options.assigneeId);
  if (options.overdue) {
    query = query.where("state", "=", "open").where("ack_due_at", "<=", now);
  }
  if (options.after) query = query.where("id", "<", options.after);
  const rows = await query.orderBy("id", "desc").limit(limit).execute();
  return rows.map(toIncident);
}

/**
 * Counts per state and of overdue acknowledgements.
 *
 * @example
 * ```ts
 * const { open, overdue } = await incidentCounts(ledger, org.id, now);
 * ```
 */
export async function incidentCounts(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  now: Date,
): Promise<IncidentCounts> {
  const rows = await ledger.db.selectFrom("incidents")
    .select((eb) => ["state", eb.fn.countAll<number | string>().as("n")])
    .where("org_id", "=", orgId).groupBy("state").execute();
  const counts: IncidentCounts = { open: 0, acknowledged: 0, resolved: 0, closed: 0, overdue: 0 };
  for (const r of rows) counts[r.state] = Number(r.n);
  const overdue = await ledger.db.selectFrom("incidents")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("org_id", "=", orgId).where("state", "=", "open").where("ack_due_at", "<=", now)
    .executeTakeFirstOrThrow();
  counts.overdue = Number(overdue.n);
  return counts;
}

/** One linked item, described. */
export interface LinkedItem {
  kind: LinkKind;
  id: string;
  label: string;
  /** Severity (signals, breaches), state (breaches, runs) or slug (hosts). */
  detail: string;
  state: string | null;
  ts: string | null;
}

/** One incident as its page and API show it. */
export interface IncidentDetail {
  incident: Incident;
  events: IncidentEvent[];
  links: LinkedItem[];
  /** Linked breaches exist and every one is fixed, and the incident is not resolved yet. */
  suggestResolve: boolean;
  overdue: boolean;
}

/** Rows for `ids`, fetched `chunk` ids a query (all in one by default), each described. */
async function described<Row>(
  ids: string[],
  fetch: (ids: string[]) => Promise<Row[]>,
  describe: (row: Row) => LinkedItem,
  chunk = ids.length,
): Promise<LinkedItem[]> {
  const out: LinkedItem[] = [];
  for (let i = 0; i < ids.length; i += chunk) {
    out.push(...(await fetch(ids.slice(i, i + chunk))).map(describe));
  }
  return out;
}

async function describeLinks(
  ledger: Pick<Ledger, "db">,
  incidentId: string,
): Promise<LinkedItem[]> {
  const links = await ledger.db.selectFrom("incident_links").select(["kind", "ref_id"])
    .where("incident_id", "=", incidentId).orderBy("linked_at").limit(1000).execute();
  return await describeItems(
    ledger,
    (kind) => links.filter((l) => l.kind === kind).map((l) => l.ref_id),
  );
}

/** The items of each kind (`ids(kind)`) that still exist, described. */
async function describeItems(
  ledger: Pick<Ledger, "db">,
  ids: (kind: LinkKind) => string[],
): Promise<LinkedItem[]> {
  const { db } = ledger;
  return [
    ...await described(
      ids("host"),
      (hosts) =>
        db.selectFrom("hosts").select(["id", "name", "slug"]).where("id", "in", hosts).execute(),
      (h) => ({ kind: "host", id: h.id, label: h.name, detail: h.slug, state: null, ts: null }),
    ),
    ...await described(
      ids("breach"),
      (breaches) =>
        db.selectFrom("breaches").select(["id", "title", "severity", "state", "opened_at"])
          .where("id", "in", breaches).execute(),
      (b) => ({
        kind: "breach",
        id: b.id,
        label: b.title,
        detail: b.severity,
        state: b.state,
        ts: toDate(b.opened_at).toISOString(),
      }),
    ),
    ...await described(
      ids("run"),
      (runs) =>
        db.selectFrom("remediation_runs").select(["id", "action_id", "mode", "state", "created_at"])
          .where("id", "in", runs).execute(),
      (r) => ({
        kind: "run",
        id: r.id,
        label: `${r.action_id} (${r.mode})`,
        detail: r.mode,
        state: r.state,
        ts: toDate(r.created_at).toISOString(),
      }),
    ),
    // The newest 500 signals, 200 a query: automatic incidents collect many.
    ...await described(
      ids("signal").slice(-500),
      (signals) =>
        db.selectFrom("signals").select(["id", "code", "title", "severity", "ts"])
          .where("id", "in", signals).orderBy("ts").execute(),
      (s) => ({
        kind: "signal",
        id: s.id,
        label: s.title,
        detail: `${s.severity} ${s.code}`,
        state: null,
        ts: toDate(s.ts).toISOString(),
      }),
      200,
    ),
  ];
}

/**
 * Link and unlink events as people read them: "Linked breach \"Web shell in uploads\"" rather
 * than the item's raw id (the stored message). Items linked now are named from `links`; others
 * (since unlinked) are looked up; an item that no longer exists keeps its id.
 */
async function namedLinkEvents(
  ledger: Pick<Ledger, "db">,
  events: IncidentEvent[],
  links: LinkedItem[],
): Promise<IncidentEvent[]> {
  const refOf = (e: IncidentEvent) => {
    const kind = e.data?.kind, refId = e.data?.refId;
    return (e.type === "linked" || e.type === "unlinked") && typeof kind === "string" &&
        typeof refId === "string"
      ? { kind: kind as LinkKind, refId }
      : null;
  };
  const labels = new Map(links.map((l) => [`${l.kind}:${l.id}`, l.label]));
  const missing = events.map(refOf).filter((r) => r && !labels.has(`${r.kind}:${r.refId}`));
  if (missing.length > 0) {
    const found = await describeItems(ledger, (kind) => [
      ...new Set(missing.filter((r) => r!.kind === kind).map((r) => r!.refId)),
    ]);
    for (const item of found) labels.set(`${item.kind}:${item.id}`, item.label);
  }
  return events.map((e) => {
    const ref = refOf(e);
    const label = ref && labels.get(`${ref.kind}:${ref.refId}`);
    const verb = e.type === "linked" ? "Linked" : "Unlinked";
    // Only the stored raw form is rewritten ("Linked breach 01M…").
    if (!ref || !label || e.message !== `${verb} ${ref.kind} ${ref.refId}`) return e;
    return { ...e, message: `${verb} ${ref.kind} "${label}"` };
  });
}

/**
 * One incident of the organization with its timeline (oldest first) and links, or null.
 *
 * @example
 * ```ts
 * const found = await getIncident(ledger, org.id, incidentId, now);
 * found?.links.filter((l) => l.kind === "signal").length;
 * ```
 */
export async function getIncident(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  incidentId: string,
  now: Date,
): Promise<IncidentDetail | null> {
  const row = await ledger.db.selectFrom("incidents").selectAll()
    .where("id", "=", incidentId).where("org_id", "=", orgId).executeTakeFirst();
  if (!row) return null;
  const incident = toIncident(row);
  const events = await ledger.db.selectFrom("incident_events").selectAll()
    .where("incident_id", "=", incidentId).orderBy("ts").orderBy("id").limit(1000).execute();
  const links = await describeLinks(ledger, incidentId);
  const breaches = links.filter((l) => l.kind === "breach");
  const allFixed = breaches.length > 0 && breaches.every((b) => b.state === "fixed");
  return {
    incident,
    events: await namedLinkEvents(ledger, events.map(toIncidentEvent), links),
    links,
    suggestResolve: (incident.state === "open" || incident.state === "acknowledged") &&
      allFixed,
    overdue: isOverdue(incident, now),
  };
}
