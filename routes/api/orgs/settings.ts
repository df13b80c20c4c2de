import { z } from "zod";
import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { readJson } from "@/lib/http/input.ts";
import { getOrg, setOrgAuditRetention } from "@/lib/orgs/orgs.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

const SettingsInput = z.strictObject({
  auditRetentionDays: z.int("must be a whole number of days").min(30, "at least 30 days").max(
    36_500,
    "at most 36500 days",
  ).nullable(),
});

/** The active organization's settings; owners change audit retention (null = server default). */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const org = await getOrg(ctx.state.services.ledger, auth.org!.id);
    if (!org) throw new HttpError(404);
    return ok({
      org: { id: org.id, slug: org.slug, name: org.name },
      auditRetentionDays: org.auditRetentionDays,
      defaultAuditRetentionDays: ctx.state.services.config.auditRetentionDays,
    });
  },
  async PATCH(ctx) {
    const auth = authOf(ctx);
    const { auditRetentionDays } = await readJson(ctx.req, SettingsInput);
    const before = await getOrg(ctx.state.services.ledger, auth.org!.id);
    await setOrgAuditRetention(ctx.state.services.ledger, auth.org!.id, auditRetentionDays);
    await auditRequest(ctx, {
      action: "org.settings.update",
      summary: `audit retention: ${before?.auditRetentionDays ?? "default"} → ${
        auditRetentionDays ?? "default"
      } days`,
      target: { type: "org", id: auth.org!.id },
      details: {
        auditRetentionDays: { from: before?.auditRetentionDays ?? null, to: auditRetentionDays },
      },
    });
    return ok({ auditRetentionDays });
  },
});
