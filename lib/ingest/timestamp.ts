/**
 * RFC 3339 timestamps as the agent writes them (agent-protocol §1.3): Python `isoformat()` with
 * microseconds and `+00:00`, no fraction when it is 0, and `Z` from other producers.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch for an RFC 3339 timestamp, or `null` when it is not one (no
 * offset, impossible date, out-of-range field). Sub-millisecond digits are truncated.
 *
 * @example
 * ```ts
 * parseRfc3339("2026-11-25T16:56:15.675201+00:00") // Date.UTC(2026, 10, 25, 16, 56, 15, 675)
 * parseRfc3339("2026-11-25T16:56:15")              // null (no offset: ambiguous)
 * ```
 */
export function parseRfc3339(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Number(m[7].padEnd(3, "0").slice(0, 3)) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  // A leap second (:60) is read as :59.999 so the instant stays inside the stated minute.
  const leap = second === 60;
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, leap ? 59 : second, leap ? 999 : ms);
  // Invalid days roll over (2026-02-30 becomes March 2); a round trip on the day catches that.
  if (date.getUTCDate() !== day) return null;
  const local = date.getTime();
  let offsetMinutes = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const utc = local - offsetMinutes * 60_000;
  return Number.isFinite(utc) && Math.abs(utc) <= 8.64e15 ? utc : null;
}

/**
 * The timestamp as control-plane output (UTC, milliseconds, `Z`), or `null`.
 *
 * @example
 * ```ts
 * normalizeTimestamp("2026-11-25T16:56:15+01:00") // "2026-11-25T15:56:15.000Z"
 * ```
 */
export function normalizeTimestamp(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 64) return null;
  const ms = parseRfc3339(value.trim());
  return ms === null ? null : new Date(ms).toISOString();
}
