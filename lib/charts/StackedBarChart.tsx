/**
 * A stacked bar chart, one bar per time bucket (signals per severity). Each layer has its own
 * colour **and** fill pattern (solid, stripes, dots, lines), layers are separated by a thin
 * gap, and the legend shows each swatch with its name and total, so no reader depends on
 * telling colours apart. Every bar carries a tooltip; the data table has every count.
 *
 * @module
 */

import { Axes, ChartEmpty, ChartFigure, type ChartProps } from "./ChartFrame.tsx";
import { CHART_BOX, formatValue, niceCeil, plotSize, safeId } from "./geometry.ts";
import { longLabel } from "./period.ts";

/** One layer of the stack (first = bottom). `key` picks its colour and pattern. */
export interface StackLayer {
  key: string;
  label: string;
  values: readonly number[];
}

/** Fill patterns by key; keys without one are solid. Drawn in the layer's colour class. */
const PATTERNS: Record<string, "stripes" | "dots" | "lines" | "grid"> = {
  high: "stripes",
  medium: "dots",
  low: "lines",
  info: "grid",
};

/** `url(#…)` of a layer's pattern in chart `id`, or undefined for solid layers. */
function layerFill(id: string, key: string): string | undefined {
  return PATTERNS[key] ? `url(#${id}-pattern-${key})` : undefined;
}

/** The `<pattern>` elements of a chart: base colour plus marks in the surface colour. */
function LayerPatterns(props: { id: string; keys: readonly string[] }) {
  return (
    <defs>
      {props.keys.filter((k) => PATTERNS[k]).map((key) => {
        const kind = PATTERNS[key];
        return (
          <pattern
            key={key}
            id={`${props.id}-pattern-${key}`}
            width="6"
            height="6"
            patternUnits="userSpaceOnUse"
            patternTransform={kind === "stripes" ? "rotate(45)" : undefined}
          >
            <rect class={`chart-fill chart-fill-${key}`} width="6" height="6" />
            {kind === "stripes" && <rect class="chart-mark-fill" width="2" height="6" />}
            {kind === "dots" && <circle class="chart-mark-fill" cx="3" cy="3" r="1.3" />}
            {kind === "lines" && <rect class="chart-mark-fill" y="2" width="6" height="1.5" />}
            {kind === "grid" && <path class="chart-mark-fill" d="M0 0h6v1.2H0zM0 0h1.2v6H0z" />}
          </pattern>
        );
      })}
    </defs>
  );
}

/**
 * A small legend swatch filled like layer `key` of chart `id`.
 *
 * @example
 * ```tsx
 * <LayerSwatch id="fleet-signals" layer="high" />
 * ```
 */
export function LayerSwatch(props: { id: string; layer: string }) {
  const fill = layerFill(props.id, props.layer);
  return (
    <svg class="chart-swatch" width="14" height="14" aria-hidden="true">
      <rect
        class={fill ? "chart-swatch-rect" : `chart-fill chart-fill-${props.layer}`}
        width="14"
        height="14"
        fill={fill}
      />
    </svg>
  );
}

/** Props of {@link StackedBarChart}. */
export interface StackedBarChartProps extends ChartProps {
  layers: readonly StackLayer[];
  /** What one unit is, plural (`signals`). */
  noun: string;
  /** Appended to the summary (e.g. "Older buckets are partial."). */
  note?: string;
}

/**
 * Stacked bars per bucket with legend, summary sentence and data table.
 *
 * @example
 * ```tsx
 * <StackedBarChart id="signals" title="Signals per hour" noun="signals"
 *   buckets={{ starts: w.starts, bucketMs: w.bucketMs }}
 *   layers={[{ key: "critical", label: "critical", values: s.critical }]}
 *   empty="No signals in this period." />
 * ```
 */
export function StackedBarChart(props: StackedBarChartProps) {
  const id = safeId(props.id);
  const box = props.box ?? CHART_BOX;
  const { buckets, layers, noun } = props;
  const n = buckets.starts.length;
  const totals = buckets.starts.map((_, i) => layers.reduce((a, l) => a + (l.values[i] ?? 0), 0));
  const layerTotals = layers.map((l) => l.values.reduce((a, v) => a + v, 0));
  const total = totals.reduce((a, v) => a + v, 0);
  if (total === 0) return <ChartEmpty id={id} title={props.title} message={props.empty} />;

  const yMax = niceCeil(Math.max(...totals));
  const { w, h } = plotSize(box);
  const step = w / Math.max(1, n);
  const barW = Math.max(1, Math.round(step * 0.72 * 10) / 10);
  const busiest = totals.indexOf(Math.max(...totals));
  const label = (i: number) => longLabel(buckets.starts[i]);
  const breakdown = (i: number | null) =>
    layers.map((l, k) =>
      `${formatValue(i === null ? layerTotals[k] : l.values[i] ?? 0, "")} ${l.label}`
    ).join(", ");
  const of = props.about ? ` of ${props.about}` : "";
  const desc = `${formatValue(total, "")} ${noun}${of} from ${label(0)} to ${label(n - 1)} UTC: ` +
    `${breakdown(null)}. Busiest: ${label(busiest)} UTC with ${formatValue(totals[busiest], "")}.${
      props.note ? ` ${props.note}` : ""
    }`;
  return (
    <ChartFigure
      id={id}
      title={props.title}
      desc={desc}
      box={box}
      table={{
        caption: `${props.title}${of}: ${noun} per bucket, UTC`,
        columns: ["Time (UTC)", ...layers.map((l) => l.label), "Total"],
        rows: buckets.starts.map((_, i) => ({
          label: label(i),
          cells: [...layers.map((l) => formatValue(l.values[i] ?? 0, "")), String(totals[i])],
        })),
      }}
      legend={
        <ul class="chart-legend">
          {layers.map((l, k) => (
            <li key={l.key}>
              <LayerSwatch id={id} layer={l.key} />
              <span class="chart-key">{l.label}</span>{" "}
              <span class="chart-stats">{formatValue(layerTotals[k], "")}</span>
            </li>
          ))}
          <li class="chart-stats">{`${formatValue(total, "")} ${noun} in all`}</li>
        </ul>
      }
    >
      <LayerPatterns id={id} keys={layers.map((l) => l.key)} />
      <Axes
        box={box}
        yMax={yMax}
        yTicks={Number.isInteger(yMax / 2) ? [0, yMax / 2, yMax] : [0, yMax]}
        unit=""
        buckets={buckets}
      />
      {buckets.starts.map((_, i) => {
        if (totals[i] === 0) return null;
        const x = Math.round((box.left + step * i + (step - barW) / 2) * 10) / 10;
        let y = box.top + h;
        return (
          <g key={i} class="chart-bar">
            <title>{`${label(i)} UTC: ${breakdown(i)}`}</title>
            {layers.map((l) => {
              const v = l.values[i] ?? 0;
              if (v <= 0) return null;
              // At least one pixel per non-empty layer, so small counts stay visible.
              const height = Math.max(1, Math.round((v / yMax) * h * 10) / 10);
              y -= height;
              const fill = layerFill(id, l.key);
              return (
                <rect
                  key={l.key}
                  class={fill ? "chart-seg" : `chart-seg chart-fill chart-fill-${l.key}`}
                  x={x}
                  y={Math.round(y * 10) / 10}
                  width={barW}
                  height={height}
                  fill={fill}
                />
              );
            })}
          </g>
        );
      })}
    </ChartFigure>
  );
}
