import assert from "node:assert/strict";
import { formatValue } from "@/lib/charts/geometry.ts";
import { cachedDateTimeFormat, cachedNumberFormat } from "@/lib/charts/intl_cache.ts";
import { axisLabels, longLabel } from "@/lib/charts/period.ts";

/** Counts `new Intl.NumberFormat` / `new Intl.DateTimeFormat` while `run` runs. */
function constructionsDuring(run: () => void): number {
  const { NumberFormat, DateTimeFormat } = Intl;
  let built = 0;
  const counting = <T extends object>(target: T): T =>
    new Proxy(target, {
      construct(t, args) {
        built++;
        return Reflect.construct(t as new (...a: unknown[]) => object, args);
      },
    });
  Intl.NumberFormat = counting(NumberFormat);
  Intl.DateTimeFormat = counting(DateTimeFormat);
  try {
    run();
  } finally {
    Intl.NumberFormat = NumberFormat;
    Intl.DateTimeFormat = DateTimeFormat;
  }
  return built;
}

Deno.test("[charts] formatters are built once per locale and options", () => {
  const options = { maximumFractionDigits: 1, minimumFractionDigits: 0 };
  const first = cachedNumberFormat("en-US", options);
  assert.equal(cachedNumberFormat("en-US", { ...options }), first, "equal options share one");
  assert.notEqual(cachedNumberFormat("en-US", { maximumFractionDigits: 2 }), first);
  const month = cachedDateTimeFormat("en-US", { month: "short", timeZone: "UTC" });
  assert.equal(cachedDateTimeFormat("en-US", { month: "short", timeZone: "UTC" }), month);
  assert.equal(month.format(new Date("2026-11-25T14:00:00Z")), "Nov");
});

Deno.test("[charts] formatValue and longLabel: exact text, the same on every call", () => {
  const built = constructionsDuring(() => {
    for (let call = 0; call < 2; call++) {
      assert.equal(formatValue(47.25, "%"), "47%");
      assert.equal(formatValue(47.25, "%", true), "47.3%");
      assert.equal(formatValue(4.25, "%"), "4.3%");
      assert.equal(formatValue(12345, ""), "12,345");
      assert.equal(formatValue(1234567.89, " B", true), "1,234,567.9 B");
      assert.equal(formatValue(-0.05, ""), "-0.1");
      assert.equal(formatValue(0, "%"), "0%");
      assert.equal(longLabel("2026-11-05T14:00:00.000Z"), "Nov 5 14:00");
      assert.equal(longLabel("2026-01-31T00:00:00.000Z"), "Jan 31 00:00");
    }
  });
  assert.equal(built, 0, "no formatter is built per value");
  assert.equal(longLabel("not a time"), "Invalid Date NaN ", "as toLocaleString had it");
});

Deno.test("[charts] cached formatting matches toLocaleString to the byte", () => {
  const values = [0, -0, 0.04, 0.05, 0.95, 1, 9.95, 9.96, 10, 47.25, 999.95, 12345, -3.25, 1e21];
  values.push(NaN, Infinity, -Infinity, 2 ** 53);
  for (const value of values) {
    for (const digits of [0, 1]) {
      const options = { maximumFractionDigits: digits, minimumFractionDigits: 0 };
      assert.equal(
        cachedNumberFormat("en-US", options).format(value),
        value.toLocaleString("en-US", options),
        `${value} with ${digits} digit(s)`,
      );
    }
  }
  const starts = Array.from(
    { length: 12 * 4 },
    (_, i) => new Date(Date.UTC(2026, i % 12, 1 + (i % 28), (i * 6) % 24)).toISOString(),
  );
  for (const iso of starts) {
    const month = new Date(iso).toLocaleString("en-US", { month: "short", timeZone: "UTC" });
    assert.equal(longLabel(iso), `${month} ${Number(iso.slice(8, 10))} ${iso.slice(11, 16)}`);
  }
  assert.equal(axisLabels(starts.slice(0, 4), 6 * 3_600_000)[0].text, "Jan 1");
});
