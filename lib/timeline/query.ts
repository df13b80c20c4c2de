/**
 * Query strings of the timeline and breach ledger endpoints, validated: every bad value answers
 * 400 naming its parameter.
 *
 * @module
 */

import { BREACH_STATES, type BreachState } from "../breaches/model.ts";
import { SEVERITIES, type Severity } from "../signals/types.ts";
import { badQueryParam, queryChoice, queryLimit, queryText, queryTime } from "../ui/list_query.ts";
import type { TimelineOptions } from "./timeline.ts";

/**
 * `?severity=&code=&from=&to=&q=&limit=&before=` of a timeline endpoint.
 *
 * @example
 * ```ts
 * const page = await listTimeline(ledger, org.id, { ...timelineQuery(ctx.url), hostId });
 * ```
 */
export function timelineQuery(url: URL): TimelineOptions {
  const from = queryTime(url, "from");
  const to = queryTime(url, "to");
  if (from && to && from > to) throw badQueryParam("from", "must not be after to");
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
