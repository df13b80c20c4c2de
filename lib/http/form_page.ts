/**
 * The request side of a console page about one thing (a breach, an incident, a remediation run)
 * that acts on it through forms: GET renders it with the flash of `?done=`, POST finds the thing
 * (404 before any form is read) and runs the form its `intent` names, which redirects or renders
 * the page again with its problem. Pages are never cached: they carry per-user data.
 *
 * @module
 */
import { type FreshContext, page, type PageResponse } from "../fresh/mod.ts";
import type { State } from "../state.ts";
import { flashOf, type FormProblem, type IntentHandlers, runIntent } from "../ui/forms.ts";

type Ctx = FreshContext<State>;

/**
 * `page(data)` uncached, with the status and headers (`Retry-After`, …) of the form problem
 * being shown, if any.
 *
 * @example
 * ```ts
 * return formPage({ ...data, message: problem?.message }, problem);
 * ```
 */
export function formPage<Data>(data: Data, problem?: FormProblem): PageResponse<Data> {
  return page(data, {
    status: problem?.status ?? 200,
    headers: { "cache-control": "no-store", ...problem?.headers },
  });
}

/**
 * GET and POST of a page acted on by intent forms: about one thing (`find` throws its 404 before
 * any form is read), or about the organization itself (no `find`).
 *
 * @example
 * ```ts
 * export const handler = define.handlers(
 *   formPageHandlers({ render, flash: FLASH, find: breachOr404, intents: INTENTS }),
 * );
 * export const handler = define.handlers(formPageHandlers({ render, flash: FLASH, intents }));
 * ```
 */
export function formPageHandlers<Data>(spec: {
  /** Renders the page; GET passes the flash text of `?done=`. */
  render: (ctx: Ctx, extra: { flash?: string }) => Promise<PageResponse<Data>>;
  /** Flash texts by `?done=` value. */
  flash: Record<string, string>;
  /** Throws a 404 when the organization has no such thing. */
  find?: (ctx: Ctx) => Promise<unknown>;
  intents: IntentHandlers<Ctx, Response | PageResponse<Data>>;
}) {
  return {
    GET(ctx: Ctx): Promise<PageResponse<Data>> {
      return spec.render(ctx, { flash: flashOf(ctx.url, spec.flash) });
    },
    async POST(ctx: Ctx): Promise<Response | PageResponse<Data>> {
      // Another organization's thing (or none) is a 404 before any form is read.
      await spec.find?.(ctx);
      return runIntent(ctx, ctx.req, spec.intents);
    },
  };
}
