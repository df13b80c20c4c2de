import { define } from "@/lib/define.ts";
import { listBreaches } from "@/lib/breaches/query.ts";
import { type Breach, BREACH_STATES } from "@/lib/breaches/model.ts";
import { breachQuery } from "@/lib/timeline/query.ts";
import { SEVERITIES } from "@/lib/signals/types.ts";
import { withQuery } from "@/lib/ui/navigation.ts";
import {
  type FilteredListData,
  filteredListPage,
  type HostItemRow,
  hostItemRow,
} from "@/lib/ui/filtered_list.ts";
import { Field, SelectField } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { Time } from "@/components/HostBadges.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const FILTERS = ["state", "severity", "host", "q"] as const;
/** Query fields the page keeps in links: the filters and the page size. */
const KEPT = [...FILTERS, "limit"] as const;

interface Row extends HostItemRow {
  state: string;
  openedAt: string;
  lastSeenAt: string;
  reopenCount: number;
}

type Data = FilteredListData<Row>;

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "Breaches";
    return await filteredListPage<Breach, Row>(ctx, {
      kept: KEPT,
      cursorParam: "after",
      load: async (hostId, services, orgId) => {
        const options = breachQuery(ctx.url);
        const breaches = await listBreaches(services.ledger, orgId, { ...options, hostId });
        return {
          items: breaches,
          hostIdOf: (b) => b.hostId,
          nextHref: (values) =>
            breaches.length === options.limit
              ? withQuery("/breaches", { ...values, after: breaches.at(-1)!.id })
              : null,
        };
      },
      toRow: (b, hostName): Row => ({
        ...hostItemRow(b, hostName),
        state: b.state,
        openedAt: b.openedAt.toISOString(),
        lastSeenAt: b.lastSeenAt.toISOString(),
        reopenCount: b.reopenCount,
      }),
    });
  },
});

function BreachLedger(props: { rows: Row[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Breaches table">
      <table class="breach-ledger">
        <caption class="visually-hidden">Breaches, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Breach</th>
            <th scope="col">Host</th>
            <th scope="col">Severity</th>
            <th scope="col">State</th>
            <th scope="col">Opened</th>
            <th scope="col">Last seen</th>
            <th scope="col" class="num">Re-opened</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((b) => (
            <tr key={b.id} data-breach={b.code} data-state={b.state} data-host={b.hostName}>
              <th scope="row" class="wrap">
                <a href={`/breaches/${b.id}`}>{b.title}</a> <code class="host-slug">{b.code}</code>
              </th>
              <td>
                <a href={`/hosts/${b.hostId}`}>{b.hostName}</a>
              </td>
              <td>
                <span class={`sev sev-${b.severity}`}>{b.severity}</span>
              </td>
              <td>
                <span class={`state state-${b.state}`}>{b.state}</span>
              </td>
              <td class="nowrap">
                <Time iso={b.openedAt} />
              </td>
              <td class="nowrap">
                <Time iso={b.lastSeenAt} />
              </td>
              <td class="num">{b.reopenCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default define.page<typeof handler>(({ data }) => {
  const { values, errors } = data;
  const filtered = FILTERS.some((key) => values[key]);
  return (
    <>
      <header class="page-header">
        <h1>Breaches</h1>
      </header>
      <Messages message={data.message} />
      <form method="get" action="/breaches" class="card filters" aria-label="Filters">
        <SelectField
          name="state"
          label="State"
          value={values.state}
          error={errors.state}
          options={[["", "Any"], ...BREACH_STATES.map((s): [string, string] => [s, s])]}
        />
        <SelectField
          name="severity"
          label="Severity"
          value={values.severity}
          error={errors.severity}
          options={[["", "Any"], ...SEVERITIES.map((s): [string, string] => [s, s])]}
        />
        <SelectField
          name="host"
          label="Host"
          value={values.host}
          error={errors.host}
          options={[["", "Any"], ...data.hosts]}
        />
        <Field
          name="q"
          label="Search"
          type="search"
          value={values.q}
          error={errors.q}
          hint="Title, detail, code or evidence"
        />
        <div class="filter-actions">
          <SubmitButton class="button-primary" label="Filter" pendingLabel="Filtering…" />
          <a href="/breaches">Clear</a>
        </div>
      </form>
      <section class="card" aria-labelledby="breaches-title">
        <h2 id="breaches-title">{data.paged ? "Older breaches" : "Breaches"}</h2>
        {data.rows.length === 0
          ? (
            <p class="empty">
              {filtered || data.paged
                ? (
                  <>
                    No breach matches these filters. <a href="/breaches">Show every breach</a>.
                  </>
                )
                : "No breach recorded. Breaches open when a snapshot shows a serious finding."}
            </p>
          )
          : <BreachLedger rows={data.rows} />}
        <nav class="pager" aria-label="Pages">
          {data.paged && <a href={withQuery("/breaches", values)}>Newest</a>}
          {data.nextHref && <a href={data.nextHref} rel="next">Older</a>}
        </nav>
      </section>
    </>
  );
});
