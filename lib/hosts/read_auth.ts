/**
 * Authenticating a host's reads of its own data, `GET /api/hosts/{hostId}/status` and
 * `…/history` (agent-protocol §0.1, §4.3): a bearer API key (the vps-sentry agent, scripts), or
 * a request signed by the host's runner key (§2.3-2.4: empty-body hash, no `X-Sentry-Seq`),
 * each with the route's scope. Sending both is `400 auth_mode_conflict`.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";
import { isSignedRequest, refuse, verifySignedRequest } from "../ingest/signed.ts";
import type { Services } from "../services.ts";
import { authenticateHostBearer } from "./bearer.ts";
import type { Host } from "./host.ts";
import type { HostScope } from "./key_format.ts";

/** Signed reads per minute per runner key (status and history share the budget). */
export const HOST_READ_LIMIT_PER_MINUTE = 60;

/** The request as a read route hands it over. */
export interface HostReadRequest {
  /** The `{hostId}` of the route. */
  hostId: string;
  headers: Headers;
  method: string;
  /** Origin-form target as received (path plus `?query`), as the runner signed it. */
  path: string;
  ip: string;
}

/** A read that passed authentication. */
export interface HostReadAuth {
  host: Host;
  mode: "bearer" | "signed";
  /** Bearer key in grace: its end, ISO 8601, for `X-Sentry-Key-Deprecated`. */
  deprecatedUntil?: string;
}

const NO_BODY = () => Promise.resolve(new Uint8Array(0));

/**
 * Authenticates a read of the host's data with `scope`. Signed: the §2.4 checks in order
 * (`429 rate_limited`, `401 signature_required|malformed_signature|clock_skew|unknown_key|
 * key_revoked|key_expired|bad_signature|replayed_nonce`, `403 host_mismatch|insufficient_scope`)
 * over an empty body; `X-Sentry-Seq` is for snapshot posts only (`401 malformed_signature`).
 * Bearer: as `authenticateHostBearer` (`401 missing_token|invalid_token|…`,
 * `403 insufficient_scope`).
 *
 * @example
 * ```ts
 * const { host } = await authenticateHostRead(services, {
 *   hostId: ctx.params.hostId, headers: ctx.req.headers, method: ctx.req.method,
 *   path: requestTarget(ctx.req.url), ip: ctx.state.ip,
 * }, "host.status.read");
 * ```
 */
export async function authenticateHostRead(
  services: Pick<Services, "kv" | "ledger" | "clock">,
  req: HostReadRequest,
  scope: HostScope,
): Promise<HostReadAuth> {
  const authorization = req.headers.get("authorization");
  if (isSignedRequest(req.headers)) {
    if (authorization !== null) {
      throw new HttpError(
        400,
        "Send either `Authorization: Bearer …` or the X-Sentry-* signature headers, not both.",
        { code: "auth_mode_conflict" },
      );
    }
    if (req.headers.has("x-sentry-seq")) {
      throw refuse(
        401,
        "malformed_signature",
        "X-Sentry-Seq belongs to snapshot posts only; sign reads without it (agent-protocol §2.3).",
        { header: "X-Sentry-Seq" },
      );
    }
    const verified = await verifySignedRequest(services, {
      method: req.method,
      path: req.path,
      headers: req.headers,
      routeHostId: req.hostId,
      requiredScope: scope,
      rateLimit: { bucket: "host-read", perMinute: HOST_READ_LIMIT_PER_MINUTE },
      maxBodyBytes: 0,
      readBody: NO_BODY,
    });
    return { host: verified.host, mode: "signed" };
  }
  const bearer = await authenticateHostBearer(services.ledger, {
    hostId: req.hostId,
    authorization,
    requiredScope: scope,
    now: services.clock.now(),
    ip: req.ip,
  });
  return {
    host: bearer.host,
    mode: "bearer",
    ...(bearer.deprecatedUntil ? { deprecatedUntil: bearer.deprecatedUntil } : {}),
  };
}
