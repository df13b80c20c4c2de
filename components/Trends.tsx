import type {
  ChartFrameData,
  FleetChartsData,
  HistogramData,
  HostChartsData,
  SeverityCounts,
} from "@/lib/charts/page_data.ts";
import { CHART_SEVERITIES } from "@/lib/charts/page_data.ts";
import { LineChart } from "@/lib/charts/LineChart.tsx";
import { StackedBarChart } from "@/lib/charts/StackedBarChart.tsx";
import { Sparkline } from "@/lib/charts/Sparkline.tsx";
import { formatValue, type PlotBox, summarize } from "@/lib/charts/geometry.ts";
import { BAND_FLOORS } from "@/lib/signals/posture.ts";

/** The posture axis marks the band floors (docs/posture.md). */
const POSTURE_TICKS = [0, BAND_FLOORS.guarded, BAND_FLOORS.elevated, BAND_FLOORS.critical, 100];

const HISTOGRAM_BOX: PlotBox = {
  width: 760,
  height: 120,
  left: 48,
  right: 12,
  top: 8,
  bottom: 24,
};

/**
 * The 24 h / 7 d choice: plain links (server-rendered), the current one marked.
 *
 * @example
 * ```tsx
 * <PeriodNav links={charts.links} />
 * ```
 */
export function PeriodNav(props: { links: ChartFrameData["links"] }) {
  return (
    <nav class="chart-period" aria-label="Chart period">
      <span class="muted">Period</span>
      <ul class="plain">
        {props.links.map((l) => (
          <li key={l.period}>
            <a href={l.href} aria-current={l.current ? "true" : undefined}>{l.label}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

const layersOf = (s: SeverityCounts) =>
  CHART_SEVERITIES.map((sev) => ({ key: sev, label: sev, values: s.counts[sev] }));

const partial = (s: { truncated: boolean }) =>
  s.truncated ? "Older buckets are partial: the period holds more rows than a chart reads." : "";

/** The vitals at a glance: last, min and max with a sparkline per metric. */
function VitalsTable(props: { charts: HostChartsData }) {
  const { vitals } = props.charts;
  const rows = [
    { key: "cpu", label: "CPU", values: vitals.cpu, unit: "%" },
    { key: "memory", label: "Memory", values: vitals.memory, unit: "%" },
    { key: "disk", label: "Disk", values: vitals.disk, unit: "%" },
    { key: "posture", label: "Posture", values: vitals.posture, unit: "" },
  ];
  const cell = (v: { value: number } | null, unit: string) =>
    v ? formatValue(v.value, unit) : <span class="muted">none</span>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Vitals summary table">
      <table class="chart-summary">
        <caption class="visually-hidden">
          {`Vitals and posture over the last ${props.charts.periodLabel}, averaged per ` +
            `${props.charts.bucketMs / 3_600_000} h`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th
              scope="col"
              class="num"
              title="The average of the latest period bucket, not the last reading (see Vitals)"
            >
              {`Latest ${props.charts.bucketMs / 3_600_000} h avg`}
            </th>
            <th scope="col" class="num">Min</th>
            <th scope="col" class="num">Max</th>
            <th scope="col">Trend</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const s = summarize(r.values);
            return (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                <td class="num">{cell(s.last, r.unit)}</td>
                <td class="num">{cell(s.min, r.unit)}</td>
                <td class="num">{cell(s.max, r.unit)}</td>
                <td>
                  <Sparkline
                    id={`spark-${r.key}`}
                    label={r.label}
                    values={r.values}
                    unit={r.unit}
                    yMax={100}
                    colorKey={r.key}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The host page's trends: posture, vitals and signals per severity over the chosen period.
 *
 * @example
 * ```tsx
 * <HostTrends charts={data.charts} hostName={data.host.name} />
 * ```
 */
export function HostTrends(props: { charts: HostChartsData; hostName: string }) {
  const { charts, hostName } = props;
  const buckets = { starts: charts.starts, bucketMs: charts.bucketMs };
  const per = charts.period === "24h" ? "hour" : "6 hours";
  return (
    <section class="card trends" id="trends" aria-labelledby="trends-title">
      <div class="section-head">
        <h2 id="trends-title">Trends · last {charts.periodLabel}</h2>
        <PeriodNav links={charts.links} />
      </div>
      <div class="chart-grid">
        <LineChart
          id="chart-posture"
          title="Posture score"
          about={hostName}
          buckets={buckets}
          series={[{ key: "posture", label: "Posture (worst)", values: charts.vitals.posture }]}
          unit=""
          yMax={100}
          yTicks={POSTURE_TICKS}
          area
          valueNote={`highest score per ${per}; bands start at 15, 40 and 70`}
          empty="No snapshot in this period: the posture trend starts with the host's next push."
        />
        <LineChart
          id="chart-vitals"
          title="CPU, memory and disk"
          about={hostName}
          buckets={buckets}
          series={[
            { key: "cpu", label: "CPU", values: charts.vitals.cpu },
            { key: "memory", label: "Memory", values: charts.vitals.memory },
            { key: "disk", label: "Disk", values: charts.vitals.disk },
          ]}
          unit="%"
          yMax={100}
          valueNote={`average % used per ${per}`}
          empty="No vitals in this period. They appear once the agent reports CPU and memory (vitals) with its snapshots."
        />
        <StackedBarChart
          id="chart-host-signals"
          title={`Signals per ${per}`}
          about={hostName}
          buckets={buckets}
          layers={layersOf(charts.signals)}
          noun="signals"
          note={partial(charts.signals)}
          empty="No signal in this period: nothing this host reported needed attention."
        />
      </div>
      <VitalsTable charts={charts} />
    </section>
  );
}

/**
 * The fleet overview's trends: signals per severity and snapshots received.
 *
 * @example
 * ```tsx
 * <FleetTrends charts={data.charts} />
 * ```
 */
export function FleetTrends(props: { charts: FleetChartsData }) {
  const { charts } = props;
  const buckets = { starts: charts.starts, bucketMs: charts.bucketMs };
  const per = charts.period === "24h" ? "hour" : "6 hours";
  const received = charts.snapshots.some((n) => n > 0) ? charts.snapshots : [];
  return (
    <section class="card trends" id="trends" aria-labelledby="trends-title">
      <div class="section-head">
        <h2 id="trends-title">Fleet trends · last {charts.periodLabel}</h2>
        <PeriodNav links={charts.links} />
      </div>
      <div class="chart-grid">
        <StackedBarChart
          id="chart-fleet-signals"
          title={`Signals per ${per}`}
          buckets={buckets}
          layers={layersOf(charts.signals)}
          noun="signals"
          empty="No signal in this period. Signals appear here as hosts push snapshots."
        />
        <LineChart
          id="chart-ingest"
          title={`Snapshots received per ${per}`}
          buckets={buckets}
          series={[{ key: "ingest", label: "Snapshots", values: received }]}
          unit=""
          area
          valueNote={`snapshots received per ${per}`}
          empty="No snapshot received in this period. Add a host and run its agent command to start."
        />
      </div>
    </section>
  );
}

/**
 * The timeline's small histogram: signals per hour and severity over the last 24 hours.
 *
 * @example
 * ```tsx
 * <TimelineHistogram histogram={data.histogram} hostName="web-1" />
 * ```
 */
export function TimelineHistogram(props: { histogram: HistogramData; hostName?: string }) {
  const { histogram } = props;
  return (
    <StackedBarChart
      id="chart-timeline"
      title="Signals per hour, last 24 hours"
      about={props.hostName}
      buckets={{ starts: histogram.starts, bucketMs: histogram.bucketMs }}
      layers={layersOf(histogram.signals)}
      noun="signals"
      note={partial(histogram.signals)}
      box={HISTOGRAM_BOX}
      empty="No signal in the last 24 hours."
    />
  );
}
