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
import { Field, SelectField } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { Time } from "@/components/HostBadges.tsx";
import { TimeRangeAndActions } from "@/components/FilterFooter.tsx";
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
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Timeline events table">
      <table class="timeline-table">
        <caption class="visually-hidden">Signals, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Host</th>
            <th scope="col">Severity</th>
            <th scope="col">Signal</th>
            <th scope="col" class="num">Count</th>
          </tr>
        </thead>
        <tbody>
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
                <span class={`sev sev-${r.severity}`}>{r.severity}</span>
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
        <h1>Timeline</h1>
      </header>
      <Messages message={data.message} />
      <form method="get" action="/timeline" class="card filters" aria-label="Filters">
        <SelectField
          name="host"
          label="Host"
          value={values.host}
          error={errors.host}
          options={[["", "Any"], ...data.hosts]}
        />
        <SelectField
          name="severity"
          label="Severity"
          value={values.severity}
          error={errors.severity}
          options={[["", "Any"], ...SEVERITIES.map((s): [string, string] => [s, s])]}
        />
        <Field name="code" label="Code" value={values.code} error={errors.code} />
        <Field
          name="q"
          label="Search"
          type="search"
          value={values.q}
          error={errors.q}
          hint="Title, detail or code"
        />
        <TimeRangeAndActions
          values={values}
          errors={errors}
          untilHint="UTC, at or before"
          clearHref="/timeline"
        />
      </form>
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">{data.paged ? "Older signals" : "Latest signals"}</h2>
        <TimelineHistogram
          histogram={data.histogram}
          hostName={data.hosts.find(([id]) => id === data.histogram.hostId)?.[1]}
        />
        <p class="muted">Identical signals of a host within 30 minutes are folded into one row.</p>
        {data.rows.length === 0
          ? (
            <p class="empty">
              {filtered || data.paged
                ? (
                  <>
                    No signal matches these filters. <a href="/timeline">Show every signal</a>.
                  </>
                )
                : "No signal recorded yet. Signals appear once hosts push snapshots."}
            </p>
          )
          : <TimelineTable rows={data.rows} />}
        <nav class="pager" aria-label="Pages">
          {data.paged && <a href={withQuery("/timeline", values)}>Newest</a>}
          {data.nextHref && <a href={data.nextHref} rel="next">Older</a>}
        </nav>
      </section>
    </>
  );
});
