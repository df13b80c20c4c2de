import { define } from "@/lib/define.ts";
import { page } from "@/lib/fresh/mod.ts";
import { authOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { fleetSummary } from "@/lib/hosts/fleet.ts";
import {
  BANDS,
  fleetPage,
  type FleetQuery,
  fleetQuery,
  type FleetRow,
  SORTS,
} from "@/lib/ui/fleet.ts";
import { type FieldErrors, flashOf, formProblem } from "@/lib/ui/forms.ts";
import { queryChoice, queryText } from "@/lib/ui/list_query.ts";
import { PERIODS } from "@/lib/charts/period.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { withQuery } from "@/lib/ui/navigation.ts";
import { Field, SelectField } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import type { Summary } from "@/components/FleetSummary.tsx";
import FleetLive, { Summary as LiveSummary } from "@/islands/FleetLive.tsx";
import { liveCursor } from "@/lib/live/changes.ts";
import FleetKeys from "@/islands/FleetKeys.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";
import { type FleetChartsData, fleetChartsData } from "@/lib/charts/page_data.ts";
import { FleetTrends } from "@/components/Trends.tsx";

interface Data {
  query: FleetQuery;
  rows: FleetRow[];
  next: string | null;
  summary: Summary;
  /** Admins and owners add hosts. */
  canAdd: boolean;
  flash?: string;
  /** Live updates: the change feed's newest id at render time, and the render time. */
  live: { cursor: string; now: string };
  /** Trend charts for `?period=` (24 h default), from the hourly counters. */
  charts: FleetChartsData;
  /** A bad query parameter: on its filter field, else (`after`, `period`) as a message. */
  errors: FieldErrors;
  message?: string;
}

/** The filters the form shows; an error on another parameter is said at the top. */
const FORM_FIELDS = new Set(["q", "group", "tag", "band", "sort"]);

/**
 * Refuses bad query parameters with the list pages' 400 `invalid_input` naming each
 * (`lib/ui/list_query.ts`), instead of quietly showing every host: errors on the filter fields,
 * a parameter the form does not show (`after`, `period`) as a message. Null when all are good.
 */
function queryProblem(url: URL): { errors: FieldErrors; message?: string } | null {
  const checks: (() => unknown)[] = [
    () => queryText(url, "q", 80),
    () => queryText(url, "group", 40),
    () => queryText(url, "tag", 32),
    () => queryChoice(url, "band", BANDS),
    () => queryChoice(url, "sort", SORTS),
    () => queryText(url, "after", 200),
    () => queryChoice(url, "period", Object.keys(PERIODS)),
  ];
  const errors: FieldErrors = {};
  const messages: string[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      const [[field, text] = []] = Object.entries(formProblem(error).errors);
      if (field && text && FORM_FIELDS.has(field)) errors[field] = text;
      else messages.push(error.message);
    }
  }
  if (Object.keys(errors).length === 0 && messages.length === 0) return null;
  return { errors, ...(messages.length ? { message: messages.join("; ") } : {}) };
}

export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const org = auth.org!;
    ctx.state.title = "Hosts";
    const query = fleetQuery(ctx.url);
    const problem = queryProblem(ctx.url);
    // The cursor first: whatever changes while the page is read is replayed by the stream.
    const cursor = await liveCursor(ctx.state.services.kv, org.id);
    const [{ rows, next }, summary, charts] = await Promise.all([
      problem ? { rows: [], next: null } : fleetPage(ctx.state.services, org.id, query),
      fleetSummary(ctx.state.services, org.id),
      fleetChartsData(ctx.state.services, org.id, ctx.url),
    ]);
    return page<Data>({
      query,
      rows,
      next,
      summary,
      charts,
      canAdd: roleAtLeast(org.role, "admin"),
      live: { cursor, now: ctx.state.services.clock.now().toISOString() },
      flash: flashOf(ctx.url, { deleted: "Host deleted with its keys, snapshots and signals." }),
      errors: problem?.errors ?? {},
      message: problem?.message,
    }, problem ? { status: 400 } : undefined);
  },
});

function EmptyState(props: { filtered: boolean; canAdd: boolean; total: number }) {
  if (props.filtered || props.total > 0) {
    return (
      <p class="empty">
        No host matches these filters. <a href="/hosts">Show every host</a>.
      </p>
    );
  }
  return (
    <div class="empty">
      <p>No host reports to this organization yet.</p>
      {props.canAdd
        ? (
          <p>
            <a class="button-link" href="/hosts/new">Add a host</a>{" "}
            to get its token and the commands that connect the vps-sentry agent.
          </p>
        )
        : <p>Ask an admin or owner of this organization to add the first host.</p>}
    </div>
  );
}

export default define.page<typeof handler>(({ data }) => {
  const { query } = data;
  const refused = Boolean(data.message) || Object.keys(data.errors).length > 0;
  const filtered = refused || Boolean(query.q || query.group || query.tag || query.band);
  const keep = { q: query.q, group: query.group, tag: query.tag, band: query.band };
  return (
    <>
      <header class="page-header page-header-actions">
        <h1>Hosts</h1>
        {data.canAdd && <a class="button-link" href="/hosts/new">Add host</a>}
      </header>
      <Messages flash={data.flash} message={data.message} />
      <LiveSummary summary={data.summary} />
      <FleetTrends charts={data.charts} />
      <form method="get" action="/hosts" class="card filters" aria-label="Search and filters">
        <Field
          name="q"
          label="Search"
          type="search"
          value={query.q}
          hint="Name or slug"
          error={data.errors.q}
        />
        <Field name="group" label="Group" value={query.group} error={data.errors.group} />
        <Field name="tag" label="Tag" value={query.tag} error={data.errors.tag} />
        <SelectField
          name="band"
          label="Posture band"
          value={query.band}
          error={data.errors.band}
          options={[["", "Any"], ...BANDS.map((b): [string, string] => [b, b])]}
        />
        <SelectField
          name="sort"
          label="Sort"
          value={query.sort}
          error={data.errors.sort}
          options={[["name", "Name"], ["posture", "Posture (worst first)"], [
            "seen",
            "Last seen (newest first)",
          ]]}
        />
        <div class="filter-actions">
          <SubmitButton class="button-primary" label="Apply" pendingLabel="Applying…" />
          <a href="/hosts">Clear</a>
        </div>
      </form>
      <section class="card" aria-labelledby="hosts-title">
        <div class="section-head">
          <h2 id="hosts-title">{query.after ? "More hosts" : "Hosts"}</h2>
          <FleetKeys searchId="f-q" />
        </div>
        {data.rows.length === 0 && (
          <EmptyState
            filtered={filtered || Boolean(query.after)}
            canAdd={data.canAdd}
            total={data.summary.hosts.total}
          />
        )}
        <FleetLive
          rows={data.rows}
          live={{ ...data.live, acceptNew: !filtered && !query.after, sort: query.sort }}
        />
        <nav class="pager" aria-label="Pages">
          {query.after && <a href={withQuery("/hosts", { ...keep, sort: query.sort })}>First</a>}
          {data.next && (
            <a
              href={withQuery("/hosts", { ...keep, sort: query.sort, after: data.next })}
              rel="next"
            >
              Next
            </a>
          )}
        </nav>
      </section>
    </>
  );
});
