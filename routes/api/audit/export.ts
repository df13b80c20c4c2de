import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { exportAudit } from "@/lib/audit/query.ts";
import { auditFiltersFrom } from "@/lib/http/audit_filters.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { authOf } from "@/lib/auth/http.ts";

/** Streams the filtered audit trail as JSON lines or CSV; the export itself is audited. */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const format = ctx.url.searchParams.get("format") ?? "jsonl";
    if (format !== "jsonl" && format !== "csv") {
      throw new HttpError(400, "format: expected jsonl or csv", { details: { field: "format" } });
    }
    const filters = auditFiltersFrom(ctx.url, 200);
    await auditRequest(ctx, {
      action: "audit.export",
      summary: `${auth.user.email} exported the audit trail as ${format}`,
      details: { filters: { ...filters, limit: undefined } },
    });
    const stamp = ctx.state.services.clock.now().toISOString().slice(0, 10);
    return new Response(exportAudit(ctx.state.services.ledger, auth.org!.id, filters, format), {
      headers: {
        "content-type": format === "csv"
          ? "text/csv; charset=utf-8"
          : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="audit-${auth.org!.slug}-${stamp}.${format}"`,
        "cache-control": "no-store",
      },
    });
  },
});
