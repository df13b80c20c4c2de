import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { orgRetention, updateOrgRetention } from "@/lib/orgs/settings.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

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
    const { services, auth, body, client } = await operatorJson(ctx);
    const changes = await updateOrgRetention(services, auth, body, client);
    const settings = await orgRetention(services, auth.org!.id);
    return ok({ ...body, changes, settings });
  },
});
