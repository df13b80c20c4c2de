/**
 * What the host routes hand on of a request for its signature to be checked (agent-protocol
 * §2.4): the method, the target exactly as received, the headers, and for routes with a body a
 * reader that refuses more than the route allows.
 *
 * @module
 */
import { requestTarget } from "../ingest/signed.ts";
import { readBodyCapped } from "./body.ts";

/** The signed parts of a request without a body (host reads). */
export interface SignedTarget {
  headers: Headers;
  method: string;
  /** Origin-form target as received (path plus `?query`), as the runner signed it. */
  path: string;
}

/** The signed parts of a request with its body, read on demand up to a cap (413 past it). */
export interface SignedBodyRequest extends SignedTarget {
  readBody: (maxBytes: number) => Promise<Uint8Array>;
}

/**
 * Method, target and headers of `req`.
 *
 * @example
 * ```ts
 * await authenticateHostRead(services, { hostId, ...signedTarget(ctx.req), ip: ctx.state.ip }, scope);
 * ```
 */
export function signedTarget(req: Request): SignedTarget {
  return { headers: req.headers, method: req.method, path: requestTarget(req.url) };
}

/**
 * {@link signedTarget} with a capped reader of the body.
 *
 * @example
 * ```ts
 * const verified = await authenticateJobRequest(services, signedRequestOf(ctx.req), "host.jobs.pull");
 * ```
 */
export function signedRequestOf(req: Request): SignedBodyRequest {
  return { ...signedTarget(req), readBody: (max) => readBodyCapped(req, max) };
}
