import { z } from "zod";
import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { readJson } from "@/lib/http/input.ts";
import { getOrg, setOrgAuditRetention } from "@/lib/orgs/orgs.ts";
import {
  DEFAULT_SNAPSHOT_RETENTION_DAYS,
  setOrgSnapshotRetention,
} from "@/lib/ingest/snapshots.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

const days = (min: number, max: number) =>
  z.int("must be a whole number of days").min(min, `at least ${min} days`).max(
    max,
    `at most ${max} days`,
  )
    .nullable().optional();

/** Both optional; `null` returns to the server default. */
const SettingsInput = z.strictObject({
  auditRetentionDays: days(30, 36_500),
  snapshotRetentionDays: days(1, 3650),
});

async function snapshotRetentionOf(
  ledger: Parameters<typeof getOrg>[0],
  orgId: string,
): Promise<number | null> {
  const row = await ledger.db.selectFrom("orgs").select("snapshot_retention_days").where(
    "id",
    "=",
    orgId,
  )
    .executeTakeFirst();
  return row?.snapshot_retention_days ?? null;
}

/**
 * The active organization's retention settings; owners change them (null = server default):
 * audit entries (default AUDIT_RETENTION_DAYS) and raw snapshots (default 30 days; signals and
 * breaches are kept longer).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const { ledger, config } = ctx.state.services;
    const org = await getOrg(ledger, auth.org!.id);
    if (!org) throw new HttpError(404);
    return ok({
      org: { id: org.id, slug: org.slug, name: org.name },
      auditRetentionDays: org.auditRetentionDays,
      defaultAuditRetentionDays: config.auditRetentionDays,
      snapshotRetentionDays: await snapshotRetentionOf(ledger, org.id),
      defaultSnapshotRetentionDays: DEFAULT_SNAPSHOT_RETENTION_DAYS,
    });
  },
  async PATCH(ctx) {
    const auth = authOf(ctx);
    const input = await readJson(ctx.req, SettingsInput);
    const { ledger } = ctx.state.services;
    const orgId = auth.org!.id;
    const before = await getOrg(ledger, orgId);
    const changes: Record<string, { from: number | null; to: number | null }> = {};
    if (input.auditRetentionDays !== undefined) {
      await setOrgAuditRetention(ledger, orgId, input.auditRetentionDays);
      changes.auditRetentionDays = {
        from: before?.auditRetentionDays ?? null,
        to: input.auditRetentionDays,
      };
    }
    if (input.snapshotRetentionDays !== undefined) {
      const from = await snapshotRetentionOf(ledger, orgId);
      await setOrgSnapshotRetention(ledger, orgId, input.snapshotRetentionDays);
      changes.snapshotRetentionDays = { from, to: input.snapshotRetentionDays };
    }
    if (Object.keys(changes).length === 0) {
      throw new HttpError(400, "Send auditRetentionDays and/or snapshotRetentionDays.", {
        code: "invalid_input",
        details: { field: "(body)" },
      });
    }
    await auditRequest(ctx, {
      action: "org.settings.update",
      summary: Object.entries(changes)
        .map(([k, c]) => `${k}: ${c.from ?? "default"} → ${c.to ?? "default"}`).join("; "),
      target: { type: "org", id: orgId },
      details: changes,
    });
    return ok({ ...input });
  },
});
