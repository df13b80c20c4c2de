import { define } from "@/lib/define.ts";
import { HttpError, page } from "@/lib/fresh/mod.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import type { LedgerDb } from "@/lib/orgs/orgs.ts";
import { auditFiltersFrom } from "@/lib/http/audit_filters.ts";
import { authOf } from "@/lib/auth/http.ts";
import { getUserByEmail } from "@/lib/orgs/users.ts";
import { type FieldErrors, formProblem, queryValues } from "@/lib/ui/forms.ts";
import { withQuery } from "@/lib/ui/navigation.ts";
import { Field } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { type AuditRow, AuditTable } from "@/components/AuditTable.tsx";
import { TimeRangeAndActions } from "@/components/FilterFooter.tsx";

const FILTERS = ["actor", "action", "targetType", "targetId", "from", "to"] as const;
/** Query fields the page keeps in links: the filters and the page size. */
const KEPT = [...FILTERS, "limit"] as const;

interface Data {
  /** The filters as typed (for the form). */
  values: Record<string, string>;
  /** The filters as applied (actor e-mail resolved to an id), for links and export. */
  applied: Record<string, string>;
  rows: AuditRow[];
  olderHref: string | null;
  paged: boolean;
  errors: FieldErrors;
  message?: string;
}

/** Whether `userId` appears as an actor in the organization's audit trail (members who acted,
 * and former members). */
async function actedInOrg(ledger: LedgerDb, orgId: string, userId: string): Promise<boolean> {
  return (await queryAudit(ledger, orgId, { actorId: userId, limit: 1 })).entries.length > 0;
}

export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const { ledger } = ctx.state.services;
    ctx.state.title = "Audit";
    const values = queryValues(ctx.url, KEPT);
    // Operators know e-mails, the trail stores ids: an e-mail in "actor" means that user — but
    // only one seen in this organization's trail, or any admin could learn whether an address
    // has an account anywhere (and its id, through the export link).
    const applied = { ...values };
    if (values.actor?.includes("@")) {
      const user = await getUserByEmail(ledger, values.actor);
      if (user && await actedInOrg(ledger, auth.org!.id, user.id)) applied.actor = user.id;
    }
    const url = new URL(
      withQuery("/audit", { ...applied, before: ctx.url.searchParams.get("before") ?? undefined }),
      ctx.url,
    );
    const base = { values, applied, paged: url.searchParams.has("before") };
    try {
      const result = await queryAudit(ledger, auth.org!.id, auditFiltersFrom(url));
      return page<Data>({
        ...base,
        errors: {},
        rows: result.entries.map((e) => ({
          id: e.id,
          ts: e.ts.toISOString(),
          actorType: e.actor.type,
          actorId: e.actor.id,
          actorLabel: e.actor.label || e.actor.id || e.actor.type,
          action: e.action,
          targetType: e.target?.type ?? "",
          targetId: e.target?.id ?? "",
          summary: e.summary,
          ip: e.ip ?? "",
        })),
        olderHref: result.nextCursor === null
          ? null
          : withQuery("/audit", { ...applied, before: result.nextCursor }),
      });
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 400) throw error;
      const problem = formProblem(error, { actorId: "actor" });
      return page<Data>({ ...base, ...problem, rows: [], olderHref: null }, { status: 400 });
    }
  },
});

export default define.page<typeof handler>(({ data }) => {
  const { values, errors } = data;
  const exportHref = (format: string) =>
    withQuery("/api/audit/export", { ...data.applied, limit: undefined, format });
  return (
    <>
      <header class="page-header">
        <h1>Audit trail</h1>
      </header>
      <Messages message={data.message} />
      <form method="get" action="/audit" class="card filters" aria-label="Filters">
        <Field
          name="actor"
          label="Actor"
          value={values.actor}
          error={errors.actor}
          hint="E-mail or id"
        />
        <Field
          name="action"
          label="Action"
          value={values.action}
          error={errors.action}
          hint="e.g. auth. or org.member.remove"
        />
        <Field
          name="targetType"
          label="Target type"
          value={values.targetType}
          error={errors.targetType}
          hint="e.g. user"
        />
        <Field name="targetId" label="Target id" value={values.targetId} error={errors.targetId} />
        <TimeRangeAndActions
          values={values}
          errors={errors}
          untilHint="UTC, before this time; a date alone includes that day"
          clearHref="/audit"
        />
      </form>
      <section class="card" aria-labelledby="entries-title">
        <div class="section-head">
          <h2 id="entries-title">{data.paged ? "Older entries" : "Latest entries"}</h2>
          <p class="export">
            Export: <a href={exportHref("jsonl")}>JSON lines</a> ·{" "}
            <a href={exportHref("csv")}>CSV</a>
          </p>
        </div>
        {data.rows.length === 0
          ? (
            <p class="empty">
              No entry matches these filters. <a href="/audit">Show every entry</a>.
            </p>
          )
          : <AuditTable rows={data.rows} filters={data.applied} />}
        <nav class="pager" aria-label="Pages">
          {data.paged && <a href={withQuery("/audit", data.applied)}>Newest</a>}
          {data.olderHref && <a href={data.olderHref} rel="next">Older</a>}
        </nav>
      </section>
    </>
  );
});
