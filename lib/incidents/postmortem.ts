/**
 * Postmortems (issue 6 item 5): drafted when an incident is resolved, pre-filled with its
 * timeline, linked signals and remediation runs; fields summary, impact, root cause and action
 * items (owner member, due date, status). `draft` → `published` (read-only after: edits answer
 * 409), or `waived` with a reason (read-only too). Every change is on the incident's timeline.
 *
 * @module
 */

import type { Updateable } from "kysely";
import { z } from "zod";
import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import type { PostmortemsTable } from "../db/ledger/schema.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { validate } from "../http/input.ts";
import {
  appendEvent,
  cleanText,
  type Incident,
  type IncidentActor,
  lockIncident,
} from "./model.ts";
import { counted } from "../text/plural.ts";

/** One action item. */
export interface ActionItem {
  id: string;
  title: string;
  /** A member of the organization, or null. */
  ownerId: string | null;
  /** `YYYY-MM-DD`, or null. */
  dueDate: string | null;
  status: "open" | "done";
}

/** What the draft was pre-filled with (as it was at resolve). */
export interface PostmortemPrefill {
  timeline: { ts: string; type: string; actor: string; message: string }[];
  signals: { id: string; code: string; severity: string; title: string; ts: string }[];
  runs: { id: string; actionId: string; mode: string; state: string }[];
}

/** One postmortem. */
export interface Postmortem {
  incidentId: string;
  orgId: string;
  status: "draft" | "published" | "waived";
  summary: string;
  impact: string;
  rootCause: string;
  actionItems: ActionItem[];
  prefill: PostmortemPrefill;
  waiveReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
  publishedAt: Date | null;
  publishedBy: string | null;
}

const Text = z.string().max(8000);

/** The body of a postmortem edit (every field optional; given ones replace). */
export const PostmortemEdit = z.object({
  summary: Text.optional(),
  impact: Text.optional(),
  rootCause: Text.optional(),
  actionItems: z.array(
    z.object({
      id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "expected [A-Za-z0-9_-]{1,40}").optional(),
      title: z.string().trim().min(1).max(300),
      ownerId: z.string().min(1).max(64).nullable().default(null),
      dueDate: z.iso.date({ error: "must be YYYY-MM-DD" }).nullable().default(null),
      status: z.enum(["open", "done"]).default("open"),
    }).strict(),
  ).max(50).optional(),
}).strict();
export type PostmortemEdit = z.infer<typeof PostmortemEdit>;

function parse<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * The incident's postmortem, or null (not resolved yet).
 *
 * @example
 * ```ts
 * const pm = await getPostmortem(services.ledger, org.id, incidentId);
 * ```
 */
export async function getPostmortem(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  incidentId: string,
): Promise<Postmortem | null> {
  const row = await ledger.db.selectFrom("postmortems").selectAll()
    .where("incident_id", "=", incidentId).where("org_id", "=", orgId).executeTakeFirst();
  if (!row) return null;
  return {
    incidentId: row.incident_id,
    orgId: row.org_id,
    status: row.status,
    summary: row.summary,
    impact: row.impact,
    rootCause: row.root_cause,
    actionItems: parse<ActionItem[]>(row.action_items, []),
    prefill: parse<PostmortemPrefill>(row.prefill, { timeline: [], signals: [], runs: [] }),
    waiveReason: row.waive_reason,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    updatedBy: row.updated_by,
    publishedAt: toDateOrNull(row.published_at),
    publishedBy: row.published_by,
  };
}

async function prefillOf(tx: LedgerTx, incident: Incident): Promise<PostmortemPrefill> {
  const events = await tx.db.selectFrom("incident_events")
    .select(["ts", "type", "actor_id", "message"])
    .where("incident_id", "=", incident.id).orderBy("ts").orderBy("id").limit(300).execute();
  const signals = await tx.db.selectFrom("incident_links")
    .innerJoin("signals", "signals.id", "incident_links.ref_id")
    .select(["signals.id", "signals.code", "signals.severity", "signals.title", "signals.ts"])
    .where("incident_links.incident_id", "=", incident.id)
    .where("incident_links.kind", "=", "signal")
    .orderBy("signals.ts").limit(100).execute();
  const runs = await tx.db.selectFrom("incident_links")
    .innerJoin("remediation_runs", "remediation_runs.id", "incident_links.ref_id")
    .select([
      "remediation_runs.id",
      "remediation_runs.action_id",
      "remediation_runs.mode",
      "remediation_runs.state",
    ])
    .where("incident_links.incident_id", "=", incident.id)
    .where("incident_links.kind", "=", "run").limit(100).execute();
  return {
    timeline: events.map((e) => ({
      ts: toDate(e.ts).toISOString(),
      type: e.type,
      actor: e.actor_id,
      message: e.message,
    })),
    signals: signals.map((s) => ({
      id: s.id,
      code: s.code,
      severity: s.severity,
      title: s.title,
      ts: toDate(s.ts).toISOString(),
    })),
    runs: runs.map((r) => ({ id: r.id, actionId: r.action_id, mode: r.mode, state: r.state })),
  };
}

/** A time as people read it: `2026-11-26 03:43 UTC`. */
function readableUtc(at: Date): string {
  return `${at.toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

function draftSummary(incident: Incident, prefill: PostmortemPrefill): string {
  const lines = [
    `${incident.severity} incident "${incident.title}" opened ${readableUtc(incident.openedAt)}` +
    (incident.acknowledgedAt ? `, acknowledged ${readableUtc(incident.acknowledgedAt)}` : "") +
    (incident.resolvedAt ? `, resolved ${readableUtc(incident.resolvedAt)}` : "") + ".",
  ];
  if (prefill.signals.length > 0) {
    const codes = [...new Set(prefill.signals.map((s) => s.code))].join(", ");
    lines.push(`${counted(incident.signalCount, "linked signal")}: ${codes}.`);
  }
  if (prefill.runs.length > 0) {
    lines.push(
      `Remediation: ${prefill.runs.map((r) => `${r.actionId} ${r.mode} (${r.state})`).join("; ")}.`,
    );
  }
  return lines.join("\n");
}

/**
 * Drafts the postmortem of a just-resolved incident (in the resolve transaction). A draft that
 * exists already (resolved again after a reopen) gets a fresh pre-fill and keeps what operators
 * wrote; a published or waived one is left alone.
 *
 * @example
 * ```ts
 * await ensurePostmortemDraft(tx, incident, now);
 * ```
 */
export async function ensurePostmortemDraft(
  tx: LedgerTx,
  incident: Incident,
  now: Date,
): Promise<void> {
  const existing = await tx.db.selectFrom("postmortems").select("status")
    .where("incident_id", "=", incident.id).executeTakeFirst();
  if (existing && existing.status !== "draft") return;
  const prefill = await prefillOf(tx, incident);
  const text = cleanText(JSON.stringify(prefill), 500_000);
  if (existing) {
    await tx.db.updateTable("postmortems").set({ prefill: text, updated_at: now })
      .where("incident_id", "=", incident.id).execute();
    return;
  }
  await tx.db.insertInto("postmortems").values({
    incident_id: incident.id,
    org_id: incident.orgId,
    status: "draft",
    summary: draftSummary(incident, prefill),
    impact: "",
    root_cause: "",
    action_items: "[]",
    prefill: text,
    waive_reason: null,
    created_at: now,
    updated_at: now,
    updated_by: "system",
    published_at: null,
    published_by: null,
  }).execute();
  await appendEvent(tx, incident, {
    type: "postmortem",
    actor: { type: "system", id: "postmortem" },
    now,
    message: "Postmortem drafted",
  });
}

/** Who changes which postmortem. */
export interface PostmortemTarget {
  orgId: string;
  incidentId: string;
  actor: IncidentActor;
  now: Date;
}

async function lockDraft(tx: LedgerTx, target: PostmortemTarget) {
  const incident = await lockIncident(tx, target.orgId, target.incidentId);
  const row = await tx.db.selectFrom("postmortems").selectAll()
    .where("incident_id", "=", incident.id).executeTakeFirst();
  if (!row) {
    throw new HttpError(409, "The incident has no postmortem yet: it is drafted on resolve.", {
      code: "no_postmortem",
    });
  }
  if (row.status !== "draft") {
    throw new HttpError(409, `The postmortem is ${row.status} and read-only.`, {
      code: "postmortem_read_only",
      details: { status: row.status },
    });
  }
  return { incident, row };
}

async function checkOwners(tx: LedgerTx, orgId: string, items: PostmortemEdit["actionItems"]) {
  const owners = [...new Set((items ?? []).map((i) => i.ownerId).filter((o) => o !== null))];
  if (owners.length === 0) return;
  const members = new Set(
    (await tx.db.selectFrom("memberships").select("user_id").where("org_id", "=", orgId)
      .where("user_id", "in", owners).execute()).map((r) => r.user_id),
  );
  (items ?? []).forEach((item, i) => {
    if (item.ownerId !== null && !members.has(item.ownerId)) {
      throw new HttpError(400, `actionItems.${i}.ownerId: not a member of this organization`, {
        code: "invalid_input",
        details: { field: `actionItems.${i}.ownerId` },
      });
    }
  });
}

/** What one change of a draft sets, and the timeline entry that records it (none: no change). */
interface DraftChange {
  set: Updateable<PostmortemsTable>;
  message: string | null;
}

/**
 * Locks the draft (409 once published or waived), lets `change` check it and say what to set,
 * stores that with who and when, and records it on the incident's timeline, in one transaction.
 */
async function changeDraft(
  ledger: Ledger,
  target: PostmortemTarget,
  change: (
    tx: LedgerTx,
    draft: Awaited<ReturnType<typeof lockDraft>>,
  ) => DraftChange | Promise<DraftChange>,
): Promise<Postmortem> {
  await writeTransaction(ledger, async (tx) => {
    const draft = await lockDraft(tx, target);
    const { set, message } = await change(tx, draft);
    if (message === null) return;
    await tx.db.updateTable("postmortems").set({
      ...set,
      updated_at: target.now,
      updated_by: target.actor.id,
    }).where("incident_id", "=", draft.incident.id).where("status", "=", "draft").execute();
    await appendEvent(tx, draft.incident, {
      type: "postmortem",
      actor: target.actor,
      now: target.now,
      message,
    });
  });
  return (await getPostmortem(ledger, target.orgId, target.incidentId))!;
}

/**
 * Edits a draft (400 naming the field for bad input; 409 `postmortem_read_only` once published
 * or waived).
 *
 * @example
 * ```ts
 * await editPostmortem(ledger, target, { rootCause: "Leaked deploy key", actionItems: [...] });
 * ```
 */
export async function editPostmortem(
  ledger: Ledger,
  target: PostmortemTarget,
  raw: unknown,
): Promise<Postmortem> {
  const edit = validate(PostmortemEdit, raw);
  return await changeDraft(ledger, target, async (tx, { row }) => {
    await checkOwners(tx, target.orgId, edit.actionItems);
    const set: Updateable<PostmortemsTable> = {};
    const changed: string[] = [];
    const text = (
      value: string | undefined,
      column: "summary" | "impact" | "root_cause",
      words: string,
    ) => {
      if (value === undefined) return;
      const clean = cleanText(value, 8000);
      if (clean === row[column]) return;
      set[column] = clean;
      changed.push(words);
    };
    text(edit.summary, "summary", "summary");
    text(edit.impact, "impact", "impact");
    text(edit.rootCause, "root_cause", "root cause");
    if (edit.actionItems !== undefined) {
      const items = JSON.stringify(edit.actionItems.map((item, i) => ({
        id: item.id ?? `ai${i + 1}`,
        title: item.title,
        ownerId: item.ownerId,
        dueDate: item.dueDate,
        status: item.status,
      })));
      if (items !== row.action_items) {
        set.action_items = items;
        changed.push("action items");
      }
    }
    return {
      set,
      message: changed.length === 0 ? null : `Postmortem edited (${changed.join(", ")})`,
    };
  });
}

/**
 * Publishes a draft (summary and root cause required: 400 naming the field) or waives it with a
 * reason. Either makes it read-only; a second publish or waive is a 409.
 *
 * @example
 * ```ts
 * await finishPostmortem(ledger, target, { action: "publish" });
 * await finishPostmortem(ledger, target, { action: "waive", reason: "duplicate of inc_…" });
 * ```
 */
export async function finishPostmortem(
  ledger: Ledger,
  target: PostmortemTarget,
  input: { action: "publish" } | { action: "waive"; reason: string },
): Promise<Postmortem> {
  return await changeDraft(ledger, target, (_tx, { row }) => {
    if (input.action === "publish") {
      for (const [field, value] of [["summary", row.summary], ["rootCause", row.root_cause]]) {
        if (value.trim() === "") {
          throw new HttpError(400, `${field}: required to publish`, {
            code: "invalid_input",
            details: { field },
          });
        }
      }
    }
    return {
      set: {
        status: input.action === "publish" ? "published" : "waived",
        waive_reason: input.action === "waive" ? cleanText(input.reason, 1000) : null,
        published_at: target.now,
        published_by: target.actor.id,
      },
      message: input.action === "publish"
        ? "Postmortem published"
        : `Postmortem waived: ${input.reason}`,
    };
  });
}
