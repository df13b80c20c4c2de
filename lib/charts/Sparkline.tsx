/**
 * A sparkline for a table cell: a tiny line (gaps kept) with its last value marked, an
 * `<svg role="img">` named by its `<title>`, and a visually-hidden sentence with the numbers.
 *
 * @module
 */

import { ChartSvg } from "./ChartFrame.tsx";
import {
  linePath,
  niceCeil,
  type PlotBox,
  safeId,
  summarize,
  summaryText,
  xOf,
  yOf,
} from "./geometry.ts";

const SPARK_BOX: PlotBox = { width: 96, height: 24, left: 2, right: 4, top: 3, bottom: 3 };

/**
 * A sparkline with its text alternative; "no data" text when the series is empty.
 *
 * @example
 * ```tsx
 * <td><Sparkline id="spark-cpu" label="CPU" values={vitals.cpu} unit="%" yMax={100} /></td>
 * ```
 */
export function Sparkline(props: {
  id: string;
  label: string;
  values: ReadonlyArray<number | null>;
  unit: string;
  yMax?: number;
  /** Colour class key (`chart-line-<key>`). */
  colorKey?: string;
}) {
  const id = safeId(props.id);
  const s = summarize(props.values);
  if (!s.last || !s.min || !s.max) return <span class="muted">no data</span>;
  const yMax = props.yMax ?? niceCeil(s.max.value);
  const { runs, dots } = linePath(props.values, yMax, SPARK_BOX);
  const key = props.colorKey ?? "spark";
  const n = props.values.length;
  const sentence = `${props.label}: ${summaryText(s, props.unit)}.`;
  return (
    <span class="sparkline">
      <ChartSvg class="sparkline-svg" id={id} box={SPARK_BOX} title={`${props.label} trend`}>
        {runs.map((r) => <path key={r.x0} class={`chart-line chart-line-${key}`} d={r.d} />)}
        {dots.map((d) => (
          <circle key={d.x} class={`chart-dot chart-dot-${key}`} cx={d.x} cy={d.y} r="1.5" />
        ))}
        <circle
          class={`chart-dot chart-dot-${key}`}
          cx={xOf(s.last.index, n, SPARK_BOX)}
          cy={yOf(s.last.value, yMax, SPARK_BOX)}
          r="2.5"
        />
      </ChartSvg>
      <span class="visually-hidden">{sentence}</span>
    </span>
  );
}
