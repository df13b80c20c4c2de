import { define } from "@/lib/define.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { auditFiltersFrom } from "@/lib/http/audit_filters.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** The active organization's audit trail, newest first, filtered and paged by `before` cursor. */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const page = await queryAudit(
      ctx.state.services.ledger,
      auth.org!.id,
      auditFiltersFrom(ctx.url),
    );
    return ok({ entries: page.entries, nextCursor: page.nextCursor });
  },
});
