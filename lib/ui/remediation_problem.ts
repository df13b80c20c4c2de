/**
 * How a refusal of `requestRemediation` lands on the remediation console form: next to the
 * field it names, else at the top with the rule's name.
 *
 * @module
 */
import { HttpError } from "../fresh/mod.ts";
import type { GuardRefusal } from "../remediation/guard.ts";
import { paramFields } from "./remediation_params.ts";

/** What a refused request shows: errors next to fields, else one message naming the rule. */
export interface ConsoleProblem {
  status: number;
  /** By form field: a param name, `confirm`, `override` or `action`. */
  errors: Record<string, string>;
  message?: string;
  /** The guard rule or error code that refused it (`cooldown`, `plan_changed`, …). */
  rule?: string;
  /** Every guard refusal of the request, when the guard refused it. */
  refusals?: GuardRefusal[];
  /** The refusal's headers (`Retry-After` of a rate or cooldown refusal). */
  headers?: HeadersInit;
}

/**
 * Places a refusal of `requestRemediation` on the console form. Anything but an `HttpError` is
 * re-thrown (a bug, not a refusal).
 *
 * @example
 * ```ts
 * try { await requestRemediation(…) } catch (e) { problem = consoleProblem(e, "block-ip") }
 * ```
 */
export function consoleProblem(error: unknown, actionId: string): ConsoleProblem {
  if (!(error instanceof HttpError)) throw error;
  const details = (error.details ?? {}) as {
    field?: unknown;
    rule?: unknown;
    refusals?: GuardRefusal[];
  };
  const field = typeof details.field === "string" ? details.field : "";
  const base = {
    status: error.status,
    rule: error.code,
    ...(error.headers ? { headers: error.headers } : {}),
  };
  const names = new Set(paramFields(actionId, []).map((f) => f.name));
  const param = /^params\.([^.]+)/.exec(field)?.[1];
  if (param && names.has(param)) {
    return {
      ...base,
      errors: { [param]: error.message.replace(/^params\.[^:]*: /, "") },
    };
  }
  if (field === "confirm") {
    return { ...base, errors: { confirm: error.message.replace(/^confirm: /, "") } };
  }
  if (field === "actionId") return { ...base, errors: { action: error.message } };
  if (typeof details.rule === "string") {
    const refusals = Array.isArray(details.refusals) ? details.refusals : [];
    return {
      ...base,
      rule: details.rule,
      refusals,
      errors: details.rule === "self_lockout" ? { override: error.message } : {},
      message: error.message,
    };
  }
  return { ...base, errors: {}, message: error.message };
}
