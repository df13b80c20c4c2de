import { define } from "@/lib/define.ts";
import { listTimeline, type TimelineEntry } from "@/lib/timeline/timeline.ts";
import { timelineQuery } from "@/lib/timeline/query.ts";
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
import { TimeRange } from "@/components/FilterFooter.tsx";
import { page } from "@/lib/fresh/mod.ts";
import { type HistogramData, severityHistogram } from "@/lib/charts/page_data.ts";
import { TimelineHistogram } from "@/components/Trends.tsx";
import { authOf } from "@/lib/auth/http.ts";

const FILTERS = ["host", "severity", "code", "q", "from", "to"] as const;
/** Query fields the page keeps in links: the filters and the page size. */
const KEPT = [...FILTERS, "limit"] as const;

interface Row extends HostItemRow {
  detail: string;
  firstTs: string;
  lastTs: string;
  count: number;
}

/** The list, and the 24-hour severity histogram above it (the host filter's host, or the fleet). */
type Data = FilteredListData<Row> & { histogram: HistogramData };

const COLUMNS: TableColumn[] = [
  "Time",
  "Host",
  "Severity",
  "Signal",
  { label: "Count", numeric: true },
];

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "Timeline";
    let chartHost: string | undefined;
    const list = await filteredListPage<TimelineEntry, Row>(ctx, {
      kept: KEPT,
      cursorParam: "before",
      load: async (hostId, services, orgId) => {
        chartHost = hostId;
        const result = await listTimeline(services.ledger, orgId, {
          ...timelineQuery(ctx.url),
          hostId,
        });
        return {
          items: result.entries,
          hostIdOf: (e) => e.hostId,
          nextHref: (values) =>
            result.nextCursor === null
              ? null
              : withQuery("/timeline", { ...values, before: result.nextCursor }),
        };
      },
      toRow: (e, hostName): Row => ({
        ...hostItemRow(e, hostName),
        detail: e.detail,
        firstTs: e.firstTs.toISOString(),
        lastTs: e.lastTs.toISOString(),
        count: e.count,
      }),
    });
    const histogram = await severityHistogram(ctx.state.services, authOf(ctx).org!.id, chartHost);
    return page<Data>({ ...list.data, histogram }, { status: list.status, headers: list.headers });
  },
});

function TimelineTable(props: { rows: Row[] }) {
  return (
    <TableFrame
      label="Timeline events table"
      class="timeline-table"
      caption="Signals, newest first"
      columns={COLUMNS}
    >
      {props.rows.map((r) => (
        <tr key={r.id} data-signal={r.code} data-host={r.hostName}>
          <td class="nowrap">
            <Time iso={r.lastTs} />
            {r.count > 1 && (
              <span class="host-slug">
                since <Time iso={r.firstTs} />
              </span>
            )}
          </td>
          <td>
            <a href={`/hosts/${r.hostId}`}>{r.hostName}</a>
          </td>
          <td>
            <SeverityBadge severity={r.severity} />
          </td>
          <td class="wrap">
            {r.title} <code class="host-slug">{r.code}</code>
            {r.detail && (
              <details>
                <summary>Detail</summary>
                <p class="wrap">{r.detail}</p>
              </details>
            )}
          </td>
          <td class="num">{r.count > 1 ? `×${r.count}` : "1"}</td>
        </tr>
      ))}
    </TableFrame>
  );
}

export default define.page<typeof handler>(({ data }) => {
  return (
    <>
      <header class="page-header">
        <h1>Timeline</h1>
      </header>
      <Messages message={data.message} />
      <ListFilterForm action="/timeline">
        <ChoiceFilter filters={data} name="host" label="Host" options={data.hosts} />
        <ChoiceFilter filters={data} name="severity" label="Severity" options={SEVERITIES} />
        <TextFilter filters={data} name="code" label="Code" />
        <TextFilter
          filters={data}
          name="q"
          label="Search"
          type="search"
          hint="Title, detail or code"
        />
        <TimeRange
          values={data.values}
          errors={data.errors}
          untilHint="UTC, inclusive; a date alone means the end of that day"
        />
      </ListFilterForm>
      <ListSection
        list={data}
        path="/timeline"
        filterNames={FILTERS}
        noun="signal"
        titleId="timeline-title"
        title="Latest signals"
        olderTitle="Older signals"
        emptyText="No signal recorded yet. Signals appear once hosts push snapshots."
        intro={
          <>
            <TimelineHistogram
              histogram={data.histogram}
              hostName={data.hosts.find(([id]) => id === data.histogram.hostId)?.[1]}
            />
            <p class="muted">
              Identical signals of a host within 30 minutes are folded into one row.
            </p>
          </>
        }
      >
        <TimelineTable rows={data.rows} />
      </ListSection>
    </>
  );
});
