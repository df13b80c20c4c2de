/**
 * `Intl` formatters built once per locale and options. Building one costs tens of microseconds
 * (`toLocaleString` with options builds a new one on every call); formatting with a built one
 * costs well under one. The charts format every value and bucket label of every chart, which made
 * formatter construction most of a fleet page's render time. A formatter formats exactly as
 * `toLocaleString` with the same locale and options does.
 *
 * @module
 */

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** One entry per locale and options (options with their keys in another order count apart). */
function cached<F>(cache: Map<string, F>, locale: string, options: object, make: () => F): F {
  const key = `${locale} ${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (format === undefined) {
    format = make();
    cache.set(key, format);
  }
  return format;
}

/**
 * The `Intl.NumberFormat` of `locale` and `options`, built on first use and shared afterwards.
 *
 * @example
 * ```ts
 * const whole = cachedNumberFormat("en-US", { maximumFractionDigits: 0 });
 * whole.format(12345.6); // "12,346", as (12345.6).toLocaleString("en-US", { maximumFractionDigits: 0 })
 * ```
 */
export function cachedNumberFormat(
  locale: string,
  options: Intl.NumberFormatOptions,
): Intl.NumberFormat {
  return cached(numberFormats, locale, options, () => new Intl.NumberFormat(locale, options));
}

/**
 * The `Intl.DateTimeFormat` of `locale` and `options`, built on first use and shared afterwards.
 * Unlike `Date#toLocaleString`, its `format` throws on an invalid date.
 *
 * @example
 * ```ts
 * const month = cachedDateTimeFormat("en-US", { month: "short", timeZone: "UTC" });
 * month.format(new Date("2026-11-25T14:00:00Z")); // "Nov"
 * ```
 */
export function cachedDateTimeFormat(
  locale: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  return cached(dateTimeFormats, locale, options, () => new Intl.DateTimeFormat(locale, options));
}
