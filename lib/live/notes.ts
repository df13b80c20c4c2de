/**
 * What each writer notes in the change feed (`changes.ts`), in one place so the writers stay
 * one line each: ingest (host state, breaches, signals), breach actions, remediation runs,
 * incidents. Every function resolves once the events are committed and never rejects.
 *
 * @module
 */

import type { ReconcileResult } from "../breaches/reconcile.ts";
import type { Host } from "../hosts/host.ts";
import { hostHeartbeat } from "../hosts/host_heartbeat.ts";
import type { Services } from "../services.ts";
import type { Posture } from "../signals/posture.ts";
import type { Signal } from "../signals/types.ts";
import { type ChangeInput, noteChange, noteChanges } from "./changes.ts";

type NoteServices = Pick<Services, "kv" | "clock"> & Partial<Pick<Services, "log">>;

/** What {@link noteIngest} needs to know about one accepted push. */
export interface IngestNote {
  /** The host as it was before this push (its `lastSeenAt`, `lastSnapshotAt`). */
  host: Pick<Host, "id" | "orgId" | "lastSeenAt" | "lastSnapshotAt" | "heartbeatExpectedMinutes">;
  stored: { snapshotId: string | null; persisted: boolean; latest: boolean };
  /** Collection time of the snapshot. */
  ts: string;
  posture: Pick<Posture, "score" | "band">;
  signals: readonly Pick<Signal, "severity">[];
  breaches: ReconcileResult;
  now: Date;
}

/**
 * Notes an accepted push: `host.state` (posture, counts; `first` for the host's first
 * snapshot), one `breach` per opened, re-opened or fixed breach, and a `signal` event when
 * the snapshot carries critical or high signals. A deduplicated push changes only the
 * heartbeat: noted only when the host was not fresh before (it just came back).
 *
 * @example
 * ```ts
 * await noteIngest(services, { host, stored, ts: parsed.ts, posture, signals, breaches, now });
 * ```
 */
export function noteIngest(
  services: NoteServices & Pick<Services, "config">,
  note: IngestNote,
): Promise<void> {
  const { host, stored } = note;
  if (!stored.persisted) {
    const before = hostHeartbeat(host, note.now, services.config.heartbeat);
    if (before.state === "fresh") return Promise.resolve();
  }
  const base = { orgId: host.orgId, hostId: host.id };
  const critical = note.signals.filter((s) => s.severity === "critical").length;
  const high = note.signals.filter((s) => s.severity === "high").length;
  const changes: ChangeInput[] = [{
    ...base,
    type: "host.state",
    id: host.id,
    fields: {
      snapshotId: stored.snapshotId,
      ts: note.ts,
      latest: stored.latest,
      persisted: stored.persisted,
      first: stored.persisted && host.lastSnapshotAt === null,
      score: note.posture.score,
      band: note.posture.band,
      critical,
      high,
    },
  }];
  const kinds = [["opened", note.breaches.opened], ["reopened", note.breaches.reopened], [
    "fixed",
    note.breaches.fixed,
  ]] as const;
  for (const [change, list] of kinds) {
    for (const b of list) {
      changes.push({
        ...base,
        type: "breach",
        id: b.id,
        fields: { change, code: b.code, severity: b.severity },
      });
    }
  }
  if (stored.persisted && stored.snapshotId && critical + high > 0) {
    changes.push({
      ...base,
      type: "signal",
      id: stored.snapshotId,
      fields: { critical, high, total: note.signals.length },
    });
  }
  return noteChanges(services, changes);
}

/**
 * Notes a breach an operator (or a remediation) changed.
 *
 * @example
 * ```ts
 * await noteBreach(services, breach, "ignore");
 * ```
 */
export function noteBreach(
  services: NoteServices,
  breach: { id: string; orgId: string; hostId: string; state: string; severity?: string },
  change: string,
): Promise<void> {
  return noteChange(services, {
    type: "breach",
    orgId: breach.orgId,
    hostId: breach.hostId,
    id: breach.id,
    fields: {
      change,
      state: breach.state,
      ...(breach.severity ? { severity: breach.severity } : {}),
    },
  });
}

/**
 * Notes a remediation run change (`action` is what happened, e.g. the audit action
 * `remediation.run.succeeded`). A no-op for services without KV.
 *
 * @example
 * ```ts
 * await noteRun(services, run, "remediation.run.dispatch");
 * ```
 */
export function noteRun(
  services: Pick<Services, "clock"> & Partial<Pick<Services, "kv" | "log">>,
  run: { id: string; orgId: string; hostId: string },
  action: string,
): Promise<void> {
  const { kv } = services;
  if (!kv) return Promise.resolve();
  return noteChange({ kv, clock: services.clock, log: services.log }, {
    type: "run",
    orgId: run.orgId,
    hostId: run.hostId,
    id: run.id,
    fields: { action },
  });
}

/**
 * Notes an incident write (opened, acknowledged, resolved, …).
 *
 * @example
 * ```ts
 * await noteIncident(services, incident);
 * ```
 */
export function noteIncident(
  services: NoteServices,
  incident: { id: string; orgId: string; hostId: string | null; state: string; severity: string },
): Promise<void> {
  return noteChange(services, {
    type: "incident",
    orgId: incident.orgId,
    hostId: incident.hostId,
    id: incident.id,
    fields: { state: incident.state, severity: incident.severity },
  });
}

/** A registry or heartbeat change of a host, as {@link noteHost} notes it. */
export type HostChange = "created" | "edited" | "deleted" | "heartbeat";

/**
 * Notes a change to a host that no snapshot made: created, edited (name, group, enabled),
 * deleted, or its heartbeat moved (the sweep, after the fleet summaries were refreshed, so a
 * re-read row shows the new state). Open fleet pages re-read, add or drop the row.
 *
 * @example
 * ```ts
 * await noteHost(services, host, "created");
 * await noteHost(services, host, "heartbeat", { heartbeat: "stale" });
 * ```
 */
export function noteHost(
  services: NoteServices,
  host: { id: string; orgId: string },
  change: HostChange,
  fields: Record<string, string | number | boolean | null> = {},
): Promise<void> {
  return noteChange(services, {
    type: "host.state",
    orgId: host.orgId,
    hostId: host.id,
    id: host.id,
    fields: { change, ...fields },
  });
}
