/**
 * The query string of incident lists (`GET /api/incidents`, `/incidents`): every bad value
 * answers 400 naming its parameter.
 *
 * @module
 */

import { badQueryParam, queryChoice, queryId, queryLimit } from "../ui/list_query.ts";
import {
  INCIDENT_SEVERITIES,
  INCIDENT_STATES,
  type IncidentSeverity,
  type IncidentState,
} from "./model.ts";

/** Parsed filters; `host` and `assignee` are ids still to be resolved in the organization. */
export interface IncidentListQuery {
  state?: IncidentState;
  severity?: IncidentSeverity;
  host?: string;
  assignee?: string;
  overdue: boolean;
  limit: number;
  after?: string;
}

/**
 * `?state=&severity=&host=&assignee=&overdue=&limit=&after=`.
 *
 * @example
 * ```ts
 * incidentListQuery(new URL("http://x/api/incidents?state=open&overdue=1"));
 * // { state: "open", overdue: true, limit: 50 }
 * ```
 */
export function incidentListQuery(url: URL): IncidentListQuery {
  const overdueRaw = url.searchParams.get("overdue") ?? "";
  if (!["", "0", "1", "true", "false"].includes(overdueRaw)) {
    throw badQueryParam("overdue", "expected 1, 0, true or false");
  }
  const limit = queryLimit(url, { blankIsDefault: true });
  return {
    state: queryChoice(url, "state", INCIDENT_STATES),
    severity: queryChoice(url, "severity", INCIDENT_SEVERITIES),
    host: queryId(url, "host"),
    assignee: queryId(url, "assignee"),
    overdue: overdueRaw === "1" || overdueRaw === "true",
    limit,
    after: queryId(url, "after"),
  };
}
