/**
 * A line (optionally area) chart of time series on a fixed or rounded y axis. Missing buckets
 * are gaps, never interpolated; lone values are dots. Series differ by colour **and** dash
 * pattern, and the legend names each with its last, min and max value. Server-rendered SVG, no
 * client script.
 *
 * @module
 */

import { Axes, ChartEmpty, ChartFigure, type ChartProps } from "./ChartFrame.tsx";
import {
  CHART_BOX,
  formatValue,
  linePath,
  niceCeil,
  type PlotBox,
  safeId,
  type SeriesSummary,
  summarize,
  summaryText,
  xOf,
  yOf,
} from "./geometry.ts";
import { longLabel } from "./period.ts";

/** One line. `key` picks its colour class (`chart-line-<key>`). */
export interface LineSeries {
  key: string;
  label: string;
  values: ReadonlyArray<number | null>;
}

/** Dash patterns by series position: solid, dashed, dotted. */
const DASHES = [undefined, "7 4", "2 4"] as const;

/** Props of {@link LineChart}. */
export interface LineChartProps extends ChartProps {
  series: readonly LineSeries[];
  /** Unit after every value (`%`, or `""`). */
  unit: string;
  /** A fixed axis maximum (100 for percentages); otherwise the data's rounded maximum. */
  yMax?: number;
  /** Grid values (default 0, half, max). */
  yTicks?: readonly number[];
  /** Fill under the first series. */
  area?: boolean;
  /** What the table calls a value (e.g. "hourly average"); default the title. */
  valueNote?: string;
}

/**
 * A time-series line chart with its legend, summary and data table.
 *
 * @example
 * ```tsx
 * <LineChart id="vitals" title="CPU, memory and disk" unit="%" yMax={100}
 *   buckets={{ starts: w.starts, bucketMs: w.bucketMs }}
 *   series={[{ key: "cpu", label: "CPU", values: vitals.cpu }]}
 *   empty="No vitals reported in this period." />
 * ```
 */
export function LineChart(props: LineChartProps) {
  const id = safeId(props.id);
  const box = props.box ?? CHART_BOX;
  const { buckets, unit } = props;
  const summaries = props.series.map((s) => summarize(s.values));
  if (summaries.every((s) => s.known === 0)) {
    return <ChartEmpty id={id} title={props.title} message={props.empty} />;
  }
  const dataMax = Math.max(...summaries.map((s) => s.max?.value ?? 0));
  const yMax = props.yMax ?? niceCeil(dataMax);
  const yTicks = props.yTicks ?? [0, yMax / 2, yMax];
  const n = buckets.starts.length;
  const span = `${longLabel(buckets.starts[0])} to ${longLabel(buckets.starts[n - 1])} UTC`;
  const of = props.about ? ` of ${props.about}` : "";
  const desc = `${props.title}${of}, ${span}. ` +
    props.series.map((s, i) => `${s.label}: ${summaryText(summaries[i], unit)}.`).join(" ") +
    (summaries.some((s) => s.known < n) ? " Gaps are periods without data." : "");
  const bottom = box.height - box.bottom;
  return (
    <ChartFigure
      id={id}
      title={props.title}
      desc={desc}
      box={box}
      table={{
        caption: `${props.title}${of} (${props.valueNote ?? "values"}), ${span}`,
        columns: ["Time (UTC)", ...props.series.map((s) => s.label)],
        rows: buckets.starts.map((start, i) => ({
          label: longLabel(start),
          cells: props.series.map((s) => {
            const v = s.values[i];
            return v === null || v === undefined ? "no data" : formatValue(v, unit, true);
          }),
        })),
      }}
      legend={
        <ul class="chart-legend">
          {props.series.map((s, i) => (
            <li key={s.key}>
              <svg class="chart-swatch" width="24" height="10" aria-hidden="true">
                <line
                  class={`chart-line chart-line-${s.key}`}
                  x1="1"
                  x2="23"
                  y1="5"
                  y2="5"
                  stroke-dasharray={DASHES[i % DASHES.length]}
                />
              </svg>
              <span class="chart-key">{s.label}</span>{" "}
              <span class="chart-stats">{summaryText(summaries[i], unit)}</span>
            </li>
          ))}
        </ul>
      }
    >
      <Axes box={box} yMax={yMax} yTicks={yTicks} unit={unit} buckets={buckets} />
      {props.series.map((s, i) => {
        const { runs, dots } = linePath(s.values, yMax, box);
        const last = summaries[i].last;
        const dash = DASHES[i % DASHES.length];
        return (
          <g key={s.key} class={`chart-series chart-series-${s.key}`}>
            {props.area && i === 0 && runs.map((r) => (
              <path
                key={`a${r.x0}`}
                class={`chart-area chart-area-${s.key}`}
                d={`${r.d} L${r.x1} ${bottom} L${r.x0} ${bottom} Z`}
              />
            ))}
            {runs.map((r) => (
              <path
                key={r.x0}
                class={`chart-line chart-line-${s.key}`}
                d={r.d}
                stroke-dasharray={dash}
              />
            ))}
            {dots.map((d) => (
              <circle key={d.x} class={`chart-dot chart-dot-${s.key}`} cx={d.x} cy={d.y} r="2.5" />
            ))}
            {last && (
              <circle
                class={`chart-dot chart-dot-${s.key}`}
                cx={xOf(last.index, n, box)}
                cy={yOf(last.value, yMax, box)}
                r="3.5"
              />
            )}
            {props.series.length === 1 && <ExtremeLabels s={summaries[i]} {...{ n, box, yMax }} />}
          </g>
        );
      })}
    </ChartFigure>
  );
}

/** For a single series: the max and last values written on the plot. */
function ExtremeLabels(props: { s: SeriesSummary; n: number; box: PlotBox; yMax: number }) {
  const { s, n, box, yMax } = props;
  if (!s.last || !s.max) return null;
  const marks = [{ ...s.last, text: `last ${formatValue(s.last.value, "")}` }];
  // The max too, unless it is the last value or would sit on top of its label.
  const apart = Math.abs(xOf(s.max.index, n, box) - xOf(s.last.index, n, box)) > 70;
  if (s.max.value > s.last.value && apart) {
    marks.unshift({ ...s.max, text: `max ${formatValue(s.max.value, "")}` });
  }
  return (
    <g aria-hidden="true">
      {marks.map((m) => {
        const x = xOf(m.index, n, box);
        const y = yOf(m.value, yMax, box);
        const right = x > box.width - 80;
        return (
          <text
            key={m.text}
            class="chart-label chart-mark"
            x={right ? x - 6 : x + 6}
            y={y < box.top + 14 ? y + 14 : y - 6}
            text-anchor={right ? "end" : "start"}
          >
            {m.text}
          </text>
        );
      })}
    </g>
  );
}
