import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { orgRetention, updateOrgRetention } from "@/lib/orgs/settings.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/**
 * The active organization's retention settings; owners change them (null = server default):
 * audit entries (default AUDIT_RETENTION_DAYS) and raw snapshots (default 30 days; signals and
 * breaches are kept longer).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const settings = await orgRetention(ctx.state.services, authOf(ctx).org!.id);
    return ok({ ...settings });
  },
  async PATCH(ctx) {
    const input = await readJson(ctx.req, JsonObject);
    const changes = await updateOrgRetention(ctx.state.services, authOf(ctx), input, clientOf(ctx));
    const settings = await orgRetention(ctx.state.services, authOf(ctx).org!.id);
    return ok({ ...input, changes, settings });
  },
});
