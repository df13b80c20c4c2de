/**
 * Signed HTTP to the control plane and the classification of its answers into what §2.8 does
 * with them: `ok`, `retry` (network error, timeout, 5xx), `rate_limited` (429 with its
 * `Retry-After`) or `rejected` (any other 4xx, with the protocol's `error.code`).
 *
 * @module
 */

import type { RunnerContext } from "./context.ts";
import { type Signer, signRequest } from "./sign.ts";

/** What became of one request. */
export type Outcome =
  | { kind: "ok"; status: number; body: Record<string, unknown> }
  | { kind: "retry"; status: number | null; reason: string }
  | { kind: "rate_limited"; waitMs: number }
  | { kind: "rejected"; status: number; code: string; body: Record<string, unknown> };

/** Longest honoured `Retry-After`, ms. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * `Retry-After` as ms to wait: delta-seconds or an HTTP-date, capped at one hour; 1 s when
 * missing or unreadable.
 *
 * @example
 * ```ts
 * parseRetryAfter("7", Date.now()); // 7000
 * ```
 */
export function parseRetryAfter(value: string | null, nowMs: number): number {
  if (value === null) return 1000;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    ms = Number.isNaN(at) ? 1000 : at - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * The URL to fetch and the origin-form target to sign for an API path under `baseUrl` (which
 * may carry a path prefix: the runner signs the full public path, §2.3).
 *
 * @example
 * ```ts
 * apiTarget("https://cp.example.net/sentry/", "/api/agent/jobs?wait=25");
 * // { url: "https://cp.example.net/sentry/api/agent/jobs?wait=25", target: "/sentry/api/agent/jobs?wait=25" }
 * ```
 */
export function apiTarget(baseUrl: string, path: string): { url: string; target: string } {
  const base = new URL(baseUrl);
  const target = base.pathname.replace(/\/+$/, "") + path;
  return { url: base.origin + target, target };
}

/** One signed request. */
export interface SignedCall {
  baseUrl: string;
  signer: Signer;
  method: "GET" | "POST";
  /** API path plus query, e.g. `/api/agent/jobs?wait=25`. */
  path: string;
  body?: Uint8Array;
  seq?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra headers (enrollment's `Authorization`). */
  headers?: Record<string, string>;
}

/**
 * Sends a freshly signed request and classifies the answer.
 *
 * @example
 * ```ts
 * const out = await signedCall(ctx, { baseUrl, signer, method: "GET", path: "/api/agent/jobs?wait=0" });
 * ```
 */
export async function signedCall(ctx: RunnerContext, call: SignedCall): Promise<Outcome> {
  const { url, target } = apiTarget(call.baseUrl, call.path);
  const body = call.body ?? new Uint8Array();
  const headers = await signRequest(call.signer, {
    method: call.method,
    path: target,
    body,
    seq: call.seq,
    now: ctx.now(),
  });
  for (const [k, v] of Object.entries(call.headers ?? {})) headers.set(k, v);
  if (call.method === "POST") headers.set("content-type", "application/json");
  const timeout = AbortSignal.timeout(call.timeoutMs ?? ctx.config.requestTimeoutMs);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
  let res: Response;
  let text: string;
  try {
    res = await ctx.fetch(url, {
      method: call.method,
      headers,
      body: call.method === "POST" ? body as BodyInit : undefined,
      signal,
      redirect: "manual",
    });
    text = await res.text();
  } catch (error) {
    return { kind: "retry", status: null, reason: `network: ${(error as Error).message}` };
  }
  return classify(ctx, res, text);
}

function classify(ctx: RunnerContext, res: Response, text: string): Outcome {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON (a proxy's error page): the status decides.
  }
  if (res.status >= 200 && res.status < 300) return { kind: "ok", status: res.status, body };
  if (res.status === 429) {
    return {
      kind: "rate_limited",
      waitMs: parseRetryAfter(res.headers.get("retry-after"), ctx.now()),
    };
  }
  if (res.status >= 400 && res.status < 500) {
    const error = body.error as { code?: unknown } | undefined;
    const code = typeof error?.code === "string" ? error.code : `http_${res.status}`;
    return { kind: "rejected", status: res.status, code, body };
  }
  return { kind: "retry", status: res.status, reason: `http ${res.status}` };
}

/** Codes after which the runner stops all sending and polling until re-enrolled (§2.8). */
export const STOP_CODES: ReadonlySet<string> = new Set(["unknown_key", "key_revoked"]);
