/**
 * Host API key primitives (agent-protocol Part 4), free of storage: the token format
 * `vs<version>_<32 base64url chars>`, its SHA-256, the display prefix, scopes and key states.
 *
 * @module
 */
import { createHash } from "node:crypto";

import { timingSafeEqual } from "node:crypto";
import { HttpError } from "../fresh/errors.ts";

/** Every key scope, in canonical order (agent-protocol §4.3). */
export const HOST_SCOPES = [
  "host.status.write",
  "host.status.read",
  "host.history.read",
  "host.jobs.pull",
  "host.jobs.report",
] as const;
/** One of {@link HOST_SCOPES}. */
export type HostScope = typeof HOST_SCOPES[number];

/** What a key is: a bearer API key, a single-use enrollment token, or a runner's signing key. */
export type HostKeyKind = "api" | "enroll" | "runner";
/** Keys that are created with a bearer token. */
export type TokenKeyKind = Exclude<HostKeyKind, "runner">;

/** Where a key is in its life (agent-protocol §4.4). */
export type HostKeyState = "active" | "grace" | "expired" | "revoked";

/** Default scopes of an `api` key. */
export const DEFAULT_API_SCOPES: readonly HostScope[] = [
  "host.status.write",
  "host.status.read",
  "host.history.read",
];
/** Default scopes of an `enroll` token (copied to the runner key it enrolls). */
export const DEFAULT_ENROLL_SCOPES: readonly HostScope[] = [
  "host.status.write",
  "host.status.read",
  "host.jobs.pull",
  "host.jobs.report",
];

/** A host token: `vs<version>_<base64url of 24 random bytes>` (§4.1). */
export const HOST_TOKEN_PATTERN = /^vs([1-9][0-9]{0,3})_([A-Za-z0-9_-]{32})$/;
/** Highest key version. */
export const MAX_KEY_VERSION = 9999;
const TOKEN_RANDOM_BYTES = 24;
const JOB_SCOPES: readonly HostScope[] = ["host.jobs.pull", "host.jobs.report"];

/**
 * True when `value` is a known scope (exact, lower-case).
 *
 * @example
 * ```ts
 * isHostScope("host.status.write"); // true
 * ```
 */
export function isHostScope(value: unknown): value is HostScope {
  return typeof value === "string" && (HOST_SCOPES as readonly string[]).includes(value);
}

/**
 * A scope named by a request (`?scope=` of the verify endpoint): lower-cased and trimmed, or
 * 400 `unknown_scope`.
 *
 * @example
 * ```ts
 * parseHostScope(" Host.Status.Write "); // "host.status.write"
 * ```
 */
export function parseHostScope(value: string): HostScope {
  const scope = value.trim().toLowerCase();
  if (isHostScope(scope)) return scope;
  throw new HttpError(
    400,
    `scope: unknown scope ${JSON.stringify(value.slice(0, 64))}; use one of ${
      HOST_SCOPES.join(", ")
    }`,
    { code: "unknown_scope", details: { field: "scope", allowed: HOST_SCOPES } },
  );
}

/**
 * Scopes for a new key: lower-cased, de-duplicated, in canonical order; the kind's defaults
 * when `scopes` is undefined. 400 `unknown_scope` for an unknown one, 400 `scope_not_allowed`
 * for `host.jobs.*` on an `api` key (only enrollment tokens, and so runner keys, get them).
 *
 * @example
 * ```ts
 * normalizeScopes(["host.history.read", "HOST.STATUS.WRITE"], "api");
 * // ["host.status.write", "host.history.read"]
 * ```
 */
export function normalizeScopes(scopes: readonly unknown[] | undefined, kind: TokenKeyKind) {
  if (scopes === undefined) {
    return [...(kind === "enroll" ? DEFAULT_ENROLL_SCOPES : DEFAULT_API_SCOPES)];
  }
  const wanted = new Set<HostScope>();
  for (const raw of scopes) {
    if (typeof raw !== "string") {
      throw new HttpError(400, "scopes: each scope must be a string", {
        code: "unknown_scope",
        details: { field: "scopes", allowed: HOST_SCOPES },
      });
    }
    const scope = parseHostScope(raw);
    if (kind === "api" && JOB_SCOPES.includes(scope)) {
      throw new HttpError(
        400,
        `scopes: ${scope} may be given only to enrollment tokens (and so to runner keys), ` +
          "not to API keys; leave it out or create an enrollment token",
        { code: "scope_not_allowed", details: { field: "scopes", scope } },
      );
    }
    wanted.add(scope);
  }
  return HOST_SCOPES.filter((s) => wanted.has(s));
}

/**
 * The scopes stored for a key. Anything unparseable, and unknown entries, count as nothing:
 * a damaged list grants no scope (fail closed).
 *
 * @example
 * ```ts
 * parseStoredScopes('["host.status.write"]'); // ["host.status.write"]
 * parseStoredScopes("not json");              // []
 * ```
 */
export function parseStoredScopes(text: string | null): HostScope[] {
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const held = new Set(value.filter(isHostScope));
  return HOST_SCOPES.filter((s) => held.has(s));
}

/**
 * The version of a well-formed token, or null when it does not match {@link HOST_TOKEN_PATTERN}.
 *
 * @example
 * ```ts
 * parseHostToken("vs1_Q2hhbmdlTWVOb3RBUmVhbFRva2VuMTIz"); // { version: 1 }
 * ```
 */
export function parseHostToken(token: string): { version: number } | null {
  const match = HOST_TOKEN_PATTERN.exec(token);
  return match ? { version: Number(match[1]) } : null;
}

/**
 * A fresh token of `version` (24 random bytes).
 *
 * @example
 * ```ts
 * newHostToken(3); // "vs3_…32 base64url characters…"
 * ```
 */
export function newHostToken(version: number): string {
  if (!Number.isInteger(version) || version < 1 || version > MAX_KEY_VERSION) {
    throw new RangeError(`key version must be 1-${MAX_KEY_VERSION}, got ${version}`);
  }
  const random = crypto.getRandomValues(new Uint8Array(TOKEN_RANDOM_BYTES))
    .toBase64({ alphabet: "base64url", omitPadding: true });
  return `vs${version}_${random}`;
}

/**
 * What is stored for a token: lowercase hex SHA-256 of its UTF-8 bytes.
 *
 * @example
 * ```ts
 * await hashHostToken(token); // "9f86d081…" (64 hex characters)
 * ```
 */
export function hashHostToken(token: string): Promise<string> {
  // Synchronous node:crypto: no Web Crypto promise round trip on every authenticated request.
  return Promise.resolve(createHash("sha256").update(token, "utf8").digest("hex"));
}

/**
 * True when two hex hashes are equal, in time independent of where they differ.
 *
 * @example
 * ```ts
 * sameHash(row.token_hash, await hashHostToken(token));
 * ```
 */
export function sameHash(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The display form of a token: its first 14 characters and `...`.
 *
 * @example
 * ```ts
 * tokenPrefix("vs1_Q2hhbmdlTWVOb3RBUmVhbFRva2VuMTIz"); // "vs1_Q2hhbmdlTW..."
 * ```
 */
export function tokenPrefix(token: string): string {
  return `${token.slice(0, 14)}...`;
}

/**
 * The state of a key at `now`: `revoked` if `revokedAt ≤ now`, else `expired` if
 * `expiresAt ≤ now`, else `grace` while `graceUntil > now` (it still works), else `active`.
 *
 * @example
 * ```ts
 * if (keyState(key, now) === "grace") headers.set("x-sentry-key-deprecated", iso(key.graceUntil));
 * ```
 */
export function keyState(
  key: { revokedAt: Date | null; expiresAt: Date | null; graceUntil: Date | null },
  now: Date,
): HostKeyState {
  const t = now.getTime();
  if (key.revokedAt !== null && key.revokedAt.getTime() <= t) return "revoked";
  if (key.expiresAt !== null && key.expiresAt.getTime() <= t) return "expired";
  if (key.graceUntil !== null && key.graceUntil.getTime() > t) return "grace";
  return "active";
}

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or null
 * when there is none (no header, another scheme, or nothing after `Bearer`). What follows the
 * scheme is returned as is, so a malformed token is refused as invalid, not as missing.
 *
 * @example
 * ```ts
 * bearerToken(req.headers.get("authorization")); // "vs1_…" or null
 * ```
 */
export function bearerToken(authorization: string | null): string | null {
  if (authorization === null) return null;
  const match = /^\s*bearer(?:\s+(.*))?$/is.exec(authorization);
  const token = match?.[1]?.trim() ?? "";
  return token === "" ? null : token;
}
