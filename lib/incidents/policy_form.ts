/**
 * The escalation policy editor's form (`routes/escalation.tsx`) as the API body: checkboxes
 * `level-<n>-user-<userId>` and `level-<n>-endpoint-<endpointId>`, minutes
 * `ack-<severity>` / `repeat-<severity>`, and `repeatCount`. Levels with nothing ticked are
 * dropped, so clearing a level removes it.
 *
 * @module
 */

import { INCIDENT_SEVERITIES } from "./model.ts";
import { MAX_LEVELS } from "./policy.ts";

/** A number field: the number, or the raw text (so validation names the field). */
function numberOrText(text: string | undefined): number | string | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** The ticked members and endpoints of form level `n`. */
function levelOf(values: Record<string, string>, n: number) {
  const userIds: string[] = [];
  const endpointIds: string[] = [];
  for (const key of Object.keys(values)) {
    const user = key.match(/^level-(\d+)-user-(.+)$/);
    if (user && Number(user[1]) === n) userIds.push(user[2]);
    const endpoint = key.match(/^level-(\d+)-endpoint-(.+)$/);
    if (endpoint && Number(endpoint[1]) === n) endpointIds.push(endpoint[2]);
  }
  return { userIds, endpointIds };
}

/**
 * The form's levels that have something ticked, in order: entry `i` is the form level that
 * becomes the policy's level `i` (empty levels are dropped, so the two numberings differ).
 *
 * @example
 * ```ts
 * formLevels({ "level-1-user-u1": "on" }); // [1]
 * ```
 */
export function formLevels(values: Record<string, string>): number[] {
  const kept: number[] = [];
  for (let n = 0; n < MAX_LEVELS + 1; n++) {
    const { userIds, endpointIds } = levelOf(values, n);
    if (userIds.length + endpointIds.length > 0) kept.push(n);
  }
  return kept;
}

/**
 * The `PUT /api/escalation-policy` body of a submitted editor form.
 *
 * @example
 * ```ts
 * policyBodyFromForm({ "level-0-user-u1": "on", "ack-critical": "5", repeatCount: "" });
 * // { levels: [{ userIds: ["u1"], endpointIds: [] }], ackMinutes: { critical: 5 }, repeatMinutes: {}, repeatCount: null }
 * ```
 */
export function policyBodyFromForm(values: Record<string, string>): Record<string, unknown> {
  const levels = formLevels(values).map((n) => levelOf(values, n));
  const minutes = (prefix: string) =>
    Object.fromEntries(
      INCIDENT_SEVERITIES.flatMap((s) => {
        const v = numberOrText(values[`${prefix}-${s}`]);
        return v === undefined ? [] : [[s, v]];
      }),
    );
  return {
    levels,
    ackMinutes: minutes("ack"),
    repeatMinutes: minutes("repeat"),
    repeatCount: numberOrText(values.repeatCount) ?? null,
  };
}

/**
 * A policy error's field (`levels.0.userIds.1`, `ackMinutes.critical`) as the form's field;
 * `levels` ({@link formLevels}) maps the policy's level numbers back to the form's.
 *
 * @example
 * ```ts
 * formFieldOf("ackMinutes.critical"); // "ack-critical"
 * formFieldOf("levels.0.userIds.1", [1]); // "level-1"
 * ```
 */
export function formFieldOf(field: string, levels: readonly number[] = []): string {
  const m = field.match(/^(ackMinutes|repeatMinutes)\.(\w+)$/);
  if (m) return `${m[1] === "ackMinutes" ? "ack" : "repeat"}-${m[2]}`;
  const level = field.match(/^levels\.(\d+)/);
  if (level) return `level-${levels[Number(level[1])] ?? level[1]}`;
  return field;
}
