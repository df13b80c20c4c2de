/**
 * The query string of incident lists (`GET /api/incidents`, `/incidents`): every bad value
 * answers 400 naming its parameter.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";
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

function bad(field: string, message: string): HttpError {
  return new HttpError(400, `${field}: ${message}`, {
    code: "invalid_input",
    details: { field },
  });
}

function oneOf<T extends string>(url: URL, field: string, values: readonly T[]): T | undefined {
  const v = url.searchParams.get(field);
  if (v === null || v === "") return undefined;
  if (!(values as readonly string[]).includes(v)) {
    throw bad(field, `expected one of ${values.join(", ")}`);
  }
  return v as T;
}

function id(url: URL, field: string): string | undefined {
  const v = url.searchParams.get(field);
  if (v === null || v === "") return undefined;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(v)) throw bad(field, "not a valid id");
  return v;
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
    throw bad("overdue", "expected 1, 0, true or false");
  }
  const limitRaw = url.searchParams.get("limit");
  const limit = limitRaw === null || limitRaw === "" ? 50 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw bad("limit", "expected an integer 1-200");
  }
  return {
    state: oneOf(url, "state", INCIDENT_STATES),
    severity: oneOf(url, "severity", INCIDENT_SEVERITIES),
    host: id(url, "host"),
    assignee: id(url, "assignee"),
    overdue: overdueRaw === "1" || overdueRaw === "true",
    limit,
    after: id(url, "after"),
  };
}
