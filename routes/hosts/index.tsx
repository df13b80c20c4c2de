import { define } from "@/lib/define.ts";
import { page } from "@/lib/fresh/mod.ts";
import { authOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { fleetSummary } from "@/lib/hosts/fleet.ts";
import { BANDS, fleetPage, type FleetQuery, fleetQuery, type FleetRow } from "@/lib/ui/fleet.ts";
import { flashOf } from "@/lib/ui/forms.ts";
import { withQuery } from "@/lib/ui/navigation.ts";
import { Field, SelectField } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { FleetTable } from "@/components/FleetTable.tsx";
import { FleetSummary, type Summary } from "@/components/FleetSummary.tsx";

interface Data {
  query: FleetQuery;
  rows: FleetRow[];
  next: string | null;
  summary: Summary;
  /** Admins and owners add hosts. */
  canAdd: boolean;
  flash?: string;
}

export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const org = auth.org!;
    ctx.state.title = "Hosts";
    const query = fleetQuery(ctx.url);
    const [{ rows, next }, summary] = await Promise.all([
      fleetPage(ctx.state.services, org.id, query),
      fleetSummary(ctx.state.services, org.id),
    ]);
    return page<Data>({
      query,
      rows,
      next,
      summary,
      canAdd: roleAtLeast(org.role, "admin"),
      flash: flashOf(ctx.url, { deleted: "Host deleted with its keys, snapshots and signals." }),
    });
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
  const filtered = Boolean(query.q || query.group || query.tag || query.band);
  const keep = { q: query.q, group: query.group, tag: query.tag, band: query.band };
  return (
    <>
      <header class="page-header page-header-actions">
        <h1>Hosts</h1>
        {data.canAdd && <a class="button-link" href="/hosts/new">Add host</a>}
      </header>
      <Messages flash={data.flash} />
      <FleetSummary summary={data.summary} />
      <form method="get" action="/hosts" class="card filters" aria-label="Search and filters">
        <Field name="q" label="Search" type="search" value={query.q} hint="Name or slug" />
        <Field name="group" label="Group" value={query.group} />
        <Field name="tag" label="Tag" value={query.tag} />
        <SelectField
          name="band"
          label="Posture band"
          value={query.band}
          options={[["", "Any"], ...BANDS.map((b): [string, string] => [b, b])]}
        />
        <SelectField
          name="sort"
          label="Sort"
          value={query.sort}
          options={[["name", "Name"], ["posture", "Posture (worst first)"], [
            "seen",
            "Last seen (newest first)",
          ]]}
          hint="Within the page"
        />
        <div class="filter-actions">
          <button type="submit" class="button-primary">Apply</button>
          <a href="/hosts">Clear</a>
        </div>
      </form>
      <section class="card" aria-labelledby="hosts-title">
        <h2 id="hosts-title">{query.after ? "More hosts" : "Hosts"}</h2>
        {data.rows.length === 0
          ? (
            <EmptyState
              filtered={filtered || Boolean(query.after)}
              canAdd={data.canAdd}
              total={data.summary.hosts.total}
            />
          )
          : <FleetTable rows={data.rows} />}
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
