import assert from "node:assert/strict";
import {
  CHART_BOX,
  formatValue,
  linePath,
  niceCeil,
  safeId,
  summarize,
  yOf,
} from "@/lib/charts/geometry.ts";

Deno.test("[charts] linePath breaks at missing data and keeps lone points as dots", () => {
  const { runs, dots } = linePath([10, 20, null, 30, null, 40, 50], 100, CHART_BOX);
  assert.equal(runs.length, 2);
  assert.match(runs[0].d, /^M[\d.]+ [\d.]+ L[\d.]+ [\d.]+$/);
  assert.equal(dots.length, 1, "the lone 30");
  assert.equal(dots[0].y, yOf(30, 100, CHART_BOX));
  assert.deepEqual(linePath([null, null], 100, CHART_BOX), { runs: [], dots: [] });
  // Values outside the axis are clamped to the plot.
  assert.equal(yOf(500, 100, CHART_BOX), CHART_BOX.top);
  assert.equal(yOf(-5, 100, CHART_BOX), CHART_BOX.height - CHART_BOX.bottom);
});

Deno.test("[charts] summaries, axis ceilings, labels and ids", () => {
  assert.deepEqual(summarize([3, null, 9, 5]), {
    min: { value: 3, index: 0 },
    max: { value: 9, index: 2 },
    last: { value: 5, index: 3 },
    known: 3,
  });
  assert.deepEqual(summarize([]), { min: null, max: null, last: null, known: 0 });
  assert.deepEqual([0, 1, 3, 37, 99, 101, 2400].map(niceCeil), [1, 1, 4, 40, 100, 200, 2500]);
  assert.equal(formatValue(47.25, "%"), "47%");
  assert.equal(formatValue(4.25, "%"), "4.3%");
  assert.equal(formatValue(47.25, "%", true), "47.3%");
  assert.equal(formatValue(12345, ""), "12,345");
  assert.equal(safeId('a"><svg onload=x>'), "a---svg-onload-x-");
});
