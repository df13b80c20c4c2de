/**
 * Server-rendered forms: what a page needs to re-render a form after a failed POST (the values
 * typed, an error per field, one message) and the Post/Redirect/Get helpers around it.
 *
 * @module
 */
import { HttpError } from "../fresh/mod.ts";
import type { z } from "zod";
import { type FieldIssue, fieldIssues, formObject } from "../http/input.ts";

/** One error text per form field name. */
export type FieldErrors = Record<string, string>;

/** What a form shows after a failed submission. Password values are never kept. */
export interface FormProblem {
  status: number;
  errors: FieldErrors;
  /** A problem that belongs to no single field (wrong credentials, throttled, …). */
  message?: string;
  headers?: HeadersInit;
}

/**
 * The first issue of each field.
 *
 * @example
 * ```ts
 * errorsOf([{ field: "email", message: "required" }]) // { email: "required" }
 * ```
 */
export function errorsOf(issues: FieldIssue[]): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) out[issue.field] ??= issue.message;
  return out;
}

/** A validation failure as a {@link FormProblem} (400). */
export function invalidForm(issues: FieldIssue[]): FormProblem {
  return { status: 400, errors: errorsOf(issues) };
}

/**
 * Turns a domain `HttpError` into what a form shows: an error next to the field it names
 * (`details.field`, renamed by `fieldMap` when the form calls it differently), else a message.
 * Anything that is not an `HttpError` is re-thrown: it is a bug, not a form problem.
 *
 * @example
 * ```ts
 * try { await runFirstSetup(…) } catch (e) { return page({ …, ...formProblem(e, { slug: "orgSlug" }) }) }
 * ```
 */
export function formProblem(error: unknown, fieldMap: Record<string, string> = {}): FormProblem {
  if (!(error instanceof HttpError)) throw error;
  const details = error.details as { field?: unknown } | undefined;
  const domainField = typeof details?.field === "string" ? details.field : undefined;
  const field = domainField === undefined ? undefined : fieldMap[domainField] ?? domainField;
  const headers = error.headers;
  if (field !== undefined && field !== "(body)") {
    const prefix = new RegExp(`^${domainField!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `);
    return {
      status: error.status,
      errors: { [field]: error.message.replace(prefix, "") },
      headers,
    };
  }
  return { status: error.status, errors: {}, message: error.message, headers };
}

/** Form values to show again: every field except secrets. */
export function keptValues(
  values: Record<string, string>,
  secret: string[] = [],
): Record<string, string> {
  const hidden = new Set(["password", "currentPassword", "newPassword", "code", ...secret]);
  return Object.fromEntries(Object.entries(values).filter(([k]) => !hidden.has(k)));
}

/**
 * The flash text for `?done=<what>` after a redirect, when `what` is one this page knows.
 *
 * @example
 * ```ts
 * flashOf(ctx.url, { password: "Password changed." }) // "Password changed." for ?done=password
 * ```
 */
export function flashOf(url: URL, texts: Record<string, string>): string | undefined {
  const done = url.searchParams.get("done");
  return done !== null && Object.hasOwn(texts, done) ? texts[done] : undefined;
}

/**
 * Validates already-read form values, like `readForm` does for a request body. Useful when one
 * page takes several forms told apart by an `intent` field.
 *
 * @example
 * ```ts
 * const values = await formObject(ctx.req);
 * const parsed = parseValues(z.object({ email: Email }), values);
 * ```
 */
export function parseValues<S extends z.ZodType>(
  schema: S,
  values: Record<string, string>,
): { ok: true; data: z.output<S> } | { ok: false; problem: FormProblem } {
  const result = schema.safeParse(values);
  return result.success
    ? { ok: true, data: result.data }
    : { ok: false, problem: invalidForm(fieldIssues(result.error)) };
}

/** One handler per form of a page, keyed by the form's hidden `intent` field. */
export type IntentHandlers<C, R> = Record<
  string,
  (ctx: C, values: Record<string, string>) => Promise<R>
>;

/**
 * Reads a posted form and runs the handler its `intent` names; an unknown intent is a 400.
 *
 * @example
 * ```ts
 * POST: (ctx) => runIntent(ctx, ctx.req, INTENTS),
 * ```
 */
export async function runIntent<C, R>(
  ctx: C,
  req: Request,
  intents: IntentHandlers<C, R>,
): Promise<R> {
  const values = await formObject(req);
  const run = Object.hasOwn(intents, values.intent ?? "") ? intents[values.intent] : undefined;
  if (!run) throw new HttpError(400, "intent: unknown form", { details: { field: "intent" } });
  return await run(ctx, values);
}

/**
 * The non-empty, trimmed values of the named query parameters, to refill a filter form.
 *
 * @example
 * ```ts
 * queryValues(new URL("http://x/audit?actor=%20ann%20&q="), ["actor", "q"]) // { actor: "ann" }
 * ```
 */
export function queryValues(url: URL, keys: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of keys) {
    const v = url.searchParams.get(key)?.trim();
    if (v) values[key] = v;
  }
  return values;
}
