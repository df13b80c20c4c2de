/**
 * Query strings of the timeline and breach ledger endpoints, validated: every bad value answers
 * 400 naming its parameter.
 *
 * @module
 */

import { BREACH_STATES, type BreachState } from "../breaches/model.ts";
import { SEVERITIES, type Severity } from "../signals/types.ts";
import {
  badQueryParam,
  dayEndIfDateOnly,
  queryChoice,
  queryLimit,
  queryText,
  queryTime,
} from "../ui/list_query.ts";
import type { TimelineOptions } from "./timeline.ts";

/**
 * `?to=`, inclusive: a date alone means the end of that day (UTC), so `from=D&to=D` is all of D.
 *
 * @example
 * ```ts
 * untilTime(new URL("http://x/?to=2026-11-25")); // 2026-11-25T23:59:59.999Z
 * untilTime(new URL("http://x/?to=2026-11-25T12:00Z")); // 2026-11-25T12:00:00.000Z
 * ```
 */
export function untilTime(url: URL, field = "to"): Date | undefined {
  const time = queryTime(url, field);
  const end = dayEndIfDateOnly(url, field, time);
  // The timeline's bound is inclusive: the last millisecond of the day.
  return end === time || end === undefined ? end : new Date(end.getTime() - 1);
}

/**
 * `?severity=&code=&from=&to=&q=&limit=&before=` of a timeline endpoint. A date-only `to` covers
 * that whole day (UTC); a `severity` outside {@link SEVERITIES} is a 400 naming it.
 *
 * @example
 * ```ts
 * const page = await listTimeline(ledger, org.id, { ...timelineQuery(ctx.url), hostId });
 * ```
 */
export function timelineQuery(url: URL): TimelineOptions {
  const from = queryTime(url, "from");
  const to = untilTime(url, "to");
  if (from && to && from > to) throw badQueryParam("from", "From must not be after Until");
  return {
    severity: queryChoice<Severity>(url, "severity", SEVERITIES),
    code: queryText(url, "code", 100),
    from,
    to,
    q: queryText(url, "q", 200),
    limit: queryLimit(url),
    before: queryText(url, "before", 100),
  };
}

/**
 * `?state=&severity=&q=&limit=&after=` of a breach ledger endpoint.
 *
 * @example
 * ```ts
 * const breaches = await listBreaches(ledger, org.id, breachQuery(ctx.url));
 * ```
 */
export function breachQuery(url: URL): {
  state?: BreachState;
  severity?: Severity;
  q?: string;
  limit: number;
  after?: string;
} {
  return {
    state: queryChoice<BreachState>(url, "state", BREACH_STATES),
    severity: queryChoice<Severity>(url, "severity", SEVERITIES),
    q: queryText(url, "q", 200),
    limit: queryLimit(url),
    after: queryText(url, "after", 64, /^[0-9A-Z]{26}$/),
  };
}
