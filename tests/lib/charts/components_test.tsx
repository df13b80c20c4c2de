/**
 * The SVG charts as rendered on the server: an `<svg role="img">` named by its `<title>` and
 * described by its `<desc>`, a visually-hidden data table, a legend that names every series
 * (not only its colour), gaps for missing data, empty states instead of empty pictures, and
 * hostile text escaped.
 */
import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import type { VNode } from "preact";
import { LineChart } from "@/lib/charts/LineChart.tsx";
import { StackedBarChart } from "@/lib/charts/StackedBarChart.tsx";
import { Sparkline } from "@/lib/charts/Sparkline.tsx";
import { chartWindow } from "@/lib/charts/period.ts";
import { parseHtml, textOf } from "../../support/pages.ts";

const window = chartWindow("24h", new Date("2026-11-25T10:20:00Z"));
const buckets = { starts: window.starts, bucketMs: window.bucketMs };
const HOSTILE = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;

/** A table row's cells, `|`-joined. */
const cellsOf = (row: Element) => [...row.children].map((c) => textOf(c)).join("|");

function render(node: VNode) {
  const html = renderToString(node);
  return { html, doc: parseHtml(`<!doctype html><html><body>${html}</body></html>`) };
}

/** The svg is an image named by its title and described by its desc. */
function assertAccessibleSvg(doc: Document, title: string) {
  const svg = doc.querySelector("svg[role='img']");
  assert.ok(svg, "svg role=img");
  const [titleId, descId] = (svg.getAttribute("aria-labelledby") ?? "").split(" ");
  assert.equal(textOf(svg.querySelector(`title[id='${titleId}']`)), title);
  assert.ok(textOf(svg.querySelector(`desc[id='${descId}']`)).length > 20, "a summary sentence");
  return svg;
}

Deno.test("[charts] LineChart: accessible svg, gaps, min/max/last and a data table", () => {
  const cpu = window.starts.map((_, i) => (i === 5 || i === 6 ? null : 10 + i));
  const mem = window.starts.map((_, i) => (i < 20 ? null : 50));
  const { doc } = render(
    <LineChart
      id="vitals"
      title="CPU and memory"
      buckets={buckets}
      unit="%"
      yMax={100}
      series={[
        { key: "cpu", label: "CPU", values: cpu },
        { key: "memory", label: "Memory", values: mem },
      ]}
      empty="No vitals."
    />,
  );
  const svg = assertAccessibleSvg(doc, "CPU and memory");
  assert.match(
    textOf(svg.querySelector("desc")),
    /CPU: last 33%, min 10%, max 33%\. Memory: last 50%, min 50%, max 50%\. Gaps/,
  );
  assert.equal(svg.querySelectorAll("path.chart-line-cpu").length, 2, "split at the gap");
  assert.equal(svg.querySelectorAll("path.chart-line-memory").length, 1);
  assert.ok(
    svg.querySelector("path.chart-line-memory")?.getAttribute("stroke-dasharray"),
    "the second series is dashed, not only another colour",
  );
  const legend = [...doc.querySelectorAll(".chart-legend li")].map(textOf);
  assert.deepEqual(legend, [
    "CPU last 33%, min 10%, max 33%",
    "Memory last 50%, min 50%, max 50%",
  ]);
  const table = doc.querySelector(".visually-hidden table.chart-data");
  assert.match(textOf(table?.querySelector("caption") ?? null), /Nov 24 11:00 to Nov 25 10:00 UTC/);
  const rows = [...(table?.querySelectorAll("tbody tr") ?? [])].map(cellsOf);
  assert.equal(rows.length, 24);
  assert.equal(rows[0], "Nov 24 11:00|10%|no data");
  assert.equal(rows[5], "Nov 24 16:00|no data|no data");
  assert.equal(rows[23], "Nov 25 10:00|33%|50%");
});

Deno.test("[charts] a single series labels its max and last on the plot", () => {
  const values = window.starts.map((_, i) => (i === 3 ? 80 : i > 20 ? 20 : null));
  const { doc } = render(
    <LineChart
      id="posture"
      title="Posture"
      buckets={buckets}
      unit=""
      yMax={100}
      area
      series={[{ key: "posture", label: "Posture", values }]}
      empty="none"
    />,
  );
  const marks = [...doc.querySelectorAll("text.chart-mark")].map(textOf);
  assert.deepEqual(marks, ["max 80", "last 20"]);
  assert.equal(doc.querySelectorAll("path.chart-area-posture").length, 1);
  assert.equal(doc.querySelectorAll("circle.chart-dot-posture").length, 2, "lone 80 + last");
});

Deno.test("[charts] StackedBarChart: layers by pattern and label, totals, data table", () => {
  const critical = window.starts.map((_, i) => (i === 23 ? 2 : 0));
  const high = window.starts.map((_, i) => (i === 23 ? 3 : i === 0 ? 1 : 0));
  const { doc } = render(
    <StackedBarChart
      id="signals"
      title="Signals per hour"
      buckets={buckets}
      noun="signals"
      layers={[
        { key: "critical", label: "critical", values: critical },
        { key: "high", label: "high", values: high },
      ]}
      empty="No signal."
    />,
  );
  const svg = assertAccessibleSvg(doc, "Signals per hour");
  assert.equal(
    textOf(svg.querySelector("desc")),
    "6 signals from Nov 24 11:00 to Nov 25 10:00 UTC: 2 critical, 4 high. Busiest: Nov 25 10:00 UTC with 5.",
  );
  assert.equal(svg.querySelectorAll("g.chart-bar").length, 2, "no bar for empty buckets");
  assert.ok(svg.querySelector("pattern#signals-pattern-high"), "high is striped");
  assert.equal(svg.querySelectorAll("rect[fill='url(#signals-pattern-high)']").length, 2);
  assert.equal(svg.querySelectorAll("rect.chart-fill-critical").length, 1);
  assert.deepEqual([...doc.querySelectorAll(".chart-legend li")].map(textOf), [
    "critical 2",
    "high 4",
    "6 signals in all",
  ]);
  assert.ok(doc.querySelector(".chart-legend svg rect[fill='url(#signals-pattern-high)']"));
  const rows = [...doc.querySelectorAll(".visually-hidden table.chart-data tbody tr")].map(cellsOf);
  assert.equal(rows[0], "Nov 24 11:00|0|1|1");
  assert.equal(rows[23], "Nov 25 10:00|2|3|5");
});

Deno.test("[charts] empty data renders the message, never an empty svg", () => {
  const line = render(
    <LineChart
      id="v"
      title="Vitals"
      buckets={buckets}
      unit="%"
      series={[{ key: "cpu", label: "CPU", values: window.starts.map(() => null) }]}
      empty="No vitals in this period."
    />,
  );
  assert.equal(line.doc.querySelector("svg"), null);
  assert.equal(
    textOf(line.doc.querySelector("figure.chart-empty p.chart-empty-note")),
    "No vitals in this period.",
  );
  const bars = render(
    <StackedBarChart
      id="s"
      title="Signals"
      buckets={buckets}
      noun="signals"
      layers={[{ key: "high", label: "high", values: window.starts.map(() => 0) }]}
      empty="No signal in this period."
    />,
  );
  assert.equal(bars.doc.querySelector("svg"), null);
  assert.equal(
    textOf(bars.doc.querySelector(".chart-empty .chart-empty-note")),
    "No signal in this period.",
  );
  const spark = render(<Sparkline id="x" label="CPU" values={[null, null]} unit="%" />);
  assert.equal(spark.doc.querySelector("svg"), null);
  assert.equal(textOf(spark.doc.body), "no data");
});

Deno.test("[charts] Sparkline: an image with a title and a hidden sentence", () => {
  const { doc } = render(
    <Sparkline id="spark-cpu" label="CPU" values={[5, null, 7, 12.5]} unit="%" yMax={100} />,
  );
  const svg = doc.querySelector("svg[role='img']");
  assert.equal(textOf(svg?.querySelector("title#spark-cpu-title") ?? null), "CPU trend");
  assert.equal(svg?.getAttribute("aria-labelledby"), "spark-cpu-title");
  assert.equal(
    textOf(doc.querySelector(".visually-hidden")),
    "CPU: last 13%, min 5%, max 13%.",
  );
});

Deno.test("[charts] hostile names and ids are escaped, never markup", () => {
  const values = window.starts.map((_, i) => i);
  const { html, doc } = render(
    <>
      <LineChart
        id={`x" onload="alert(3)`}
        title={HOSTILE}
        about={HOSTILE}
        buckets={buckets}
        unit=""
        series={[{ key: "posture", label: HOSTILE, values }]}
        empty="none"
      />
      <StackedBarChart
        id="bars"
        title="Signals"
        about={HOSTILE}
        buckets={buckets}
        noun="signals"
        layers={[{ key: "high", label: "high", values }]}
        empty="none"
      />
    </>,
  );
  assert.ok(!html.includes("<script>"), "no script element");
  assert.equal(doc.querySelector("script, img"), null);
  const handlers = [...doc.querySelectorAll("*")].flatMap((el) =>
    [...el.attributes].map((a) => a.name).filter((name) => name.startsWith("on"))
  );
  assert.deepEqual(handlers, [], "no event handler attribute");
  assert.equal(doc.querySelector("figure")?.getAttribute("id"), "x--onload--alert-3-");
  assert.equal(textOf(doc.querySelector("svg title")), HOSTILE);
  assert.ok(textOf(doc.querySelector("#bars-desc")).includes(`of ${HOSTILE} from`));
});
