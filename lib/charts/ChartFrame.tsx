/**
 * What every full-size chart shares: a `<figure>` with a visible caption, the `<svg
 * role="img">` named by its `<title>` and described by a `<desc>` summary sentence, the time
 * axis and y grid, a legend, and a visually-hidden data table (the text alternative: every
 * number the picture shows). Empty data renders a message instead of an empty picture.
 * Colours come from classes (`static/styles.css`, CSS custom properties for both themes): the
 * CSP allows no inline styles.
 *
 * @module
 */

import type { ComponentChildren } from "preact";
import { type PlotBox, plotSize, xOf, yOf } from "./geometry.ts";
import { axisLabels } from "./period.ts";

/** The buckets a chart is drawn over. */
export interface ChartBuckets {
  /** Bucket start times, ISO 8601 UTC, oldest first. */
  starts: readonly string[];
  bucketMs: number;
}

/** What every full-size chart takes, besides its data. */
export interface ChartProps {
  /** Element id (made safe for ids and `url(#…)` by `safeId`). */
  id: string;
  title: string;
  buckets: ChartBuckets;
  /** Shown instead of the chart when there is nothing to draw. */
  empty: string;
  /** Whose data (a host name): said in the summary and the table caption, not the caption. */
  about?: string;
  box?: PlotBox;
}

/** The text alternative: a table with one row per bucket. */
export interface ChartTable {
  caption: string;
  columns: readonly string[];
  rows: ReadonlyArray<{ label: string; cells: readonly string[] }>;
}

/**
 * The empty state: the chart's caption and what to do, never a broken or blank picture.
 *
 * @example
 * ```tsx
 * <ChartEmpty id="vitals" title="CPU, memory and disk" message="No vitals yet." />
 * ```
 */
export function ChartEmpty(props: { id: string; title: string; message: string }) {
  return (
    <figure class="chart chart-empty" id={props.id}>
      <figcaption class="chart-title">{props.title}</figcaption>
      <p class="chart-empty-note">{props.message}</p>
    </figure>
  );
}

/**
 * A chart's `<svg role="img">` at the size of its box, named by its `<title>` and, when given,
 * described by its `<desc>` (ids `<id>-title`, `<id>-desc`); never a tab stop.
 *
 * @example
 * ```tsx
 * <ChartSvg class="sparkline-svg" id="spark-cpu" box={SPARK_BOX} title="CPU trend">…</ChartSvg>
 * ```
 */
export function ChartSvg(props: {
  class: string;
  id: string;
  box: PlotBox;
  title: string;
  desc?: string;
  children: ComponentChildren;
}) {
  const { id, box, desc } = props;
  return (
    <svg
      class={props.class}
      viewBox={`0 0 ${box.width} ${box.height}`}
      width={box.width}
      height={box.height}
      role="img"
      aria-labelledby={desc === undefined ? `${id}-title` : `${id}-title ${id}-desc`}
      focusable="false"
    >
      <title id={`${id}-title`}>{props.title}</title>
      {desc !== undefined && <desc id={`${id}-desc`}>{desc}</desc>}
      {props.children}
    </svg>
  );
}

/**
 * The figure around a chart's SVG content.
 *
 * @example
 * ```tsx
 * <ChartFigure id="x" title="Signals" desc="12 signals…" box={CHART_BOX} table={table}
 *   legend={<ul class="chart-legend">…</ul>}>
 *   <rect … />
 * </ChartFigure>
 * ```
 */
export function ChartFigure(props: {
  id: string;
  title: string;
  /** The summary sentence (the svg's `<desc>`). */
  desc: string;
  box: PlotBox;
  table: ChartTable;
  legend?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { id, box } = props;
  return (
    <figure class="chart" id={id}>
      <figcaption class="chart-title">{props.title}</figcaption>
      <ChartSvg class="chart-svg" id={id} box={box} title={props.title} desc={props.desc}>
        {props.children}
      </ChartSvg>
      {props.legend}
      <DataTable table={props.table} />
    </figure>
  );
}

/**
 * The visually-hidden table of a chart, in a hidden block: a table is never narrower than its
 * content, so hiding the table itself would still widen the page on a phone.
 */
function DataTable(props: { table: ChartTable }) {
  const { table } = props;
  return (
    <div class="visually-hidden">
      <table class="chart-data">
        <caption>{table.caption}</caption>
        <thead>
          <tr>
            {table.columns.map((c) => <th scope="col" key={c}>{c}</th>)}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              {r.cells.map((c, i) => <td key={i}>{c}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Horizontal grid lines with their values on the left, and the time labels under the plot.
 *
 * @example
 * ```tsx
 * <Axes box={CHART_BOX} yMax={100} yTicks={[0, 50, 100]} unit="%" buckets={buckets} />
 * ```
 */
export function Axes(props: {
  box: PlotBox;
  yMax: number;
  yTicks: readonly number[];
  unit: string;
  buckets: ChartBuckets;
}) {
  const { box, yMax, buckets } = props;
  const { w } = plotSize(box);
  const n = buckets.starts.length;
  const bottom = box.height - box.bottom;
  return (
    <g class="chart-axes" aria-hidden="true">
      {props.yTicks.map((v) => {
        const y = yOf(v, yMax, box);
        return (
          <g key={v}>
            <line class="chart-gridline" x1={box.left} x2={box.left + w} y1={y} y2={y} />
            <text class="chart-label" x={box.left - 6} y={y + 4} text-anchor="end">
              {`${v}${props.unit}`}
            </text>
          </g>
        );
      })}
      <line class="chart-baseline" x1={box.left} x2={box.left + w} y1={bottom} y2={bottom} />
      {axisLabels(buckets.starts, buckets.bucketMs).map(({ index, text }) => (
        <text
          key={index}
          class="chart-label"
          x={xOf(index, n, box)}
          y={bottom + 17}
          text-anchor="middle"
        >
          {text}
        </text>
      ))}
    </g>
  );
}
