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
import { ChoiceFilter, ListFilterForm, TextFilter } from "@/components/ListFilters.tsx";
import { ListSection } from "@/components/ListSection.tsx";
import { type TableColumn, TableFrame } from "@/components/TableFrame.tsx";
import { Messages } from "@/components/Notice.tsx";
import { SeverityBadge, Time } from "@/components/HostBadges.tsx";

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

const COLUMNS: TableColumn[] = [
  "Breach",
  "Host",
  "Severity",
  "State",
  "Opened",
  "Last seen",
  { label: "Re-opened", numeric: true },
];

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
    <TableFrame
      label="Breaches table"
      class="breach-ledger"
      caption="Breaches, newest first"
      columns={COLUMNS}
    >
      {props.rows.map((b) => (
        <tr key={b.id} data-breach={b.code} data-state={b.state} data-host={b.hostName}>
          <th scope="row" class="wrap">
            <a href={`/breaches/${b.id}`}>{b.title}</a> <code class="host-slug">{b.code}</code>
          </th>
          <td>
            <a href={`/hosts/${b.hostId}`}>{b.hostName}</a>
          </td>
          <td>
            <SeverityBadge severity={b.severity} />
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
    </TableFrame>
  );
}

export default define.page<typeof handler>(({ data }) => {
  return (
    <>
      <header class="page-header">
        <h1>Breaches</h1>
      </header>
      <Messages message={data.message} />
      <ListFilterForm action="/breaches">
        <ChoiceFilter filters={data} name="state" label="State" options={BREACH_STATES} />
        <ChoiceFilter filters={data} name="severity" label="Severity" options={SEVERITIES} />
        <ChoiceFilter filters={data} name="host" label="Host" options={data.hosts} />
        <TextFilter
          filters={data}
          name="q"
          label="Search"
          type="search"
          hint="Title, detail, code or evidence"
        />
      </ListFilterForm>
      <ListSection
        list={data}
        path="/breaches"
        filterNames={FILTERS}
        noun="breach"
        titleId="breaches-title"
        title="Breaches"
        olderTitle="Older breaches"
        emptyText="No breach recorded. Breaches open when a snapshot shows a serious finding."
      >
        <BreachLedger rows={data.rows} />
      </ListSection>
    </>
  );
});
