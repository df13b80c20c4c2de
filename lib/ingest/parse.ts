/**
 * A legacy status push, bytes to `ParsedSnapshot` (agent-protocol §1.10 steps 3–9): size, UTF-8,
 * JSON, structural limits, base object, shape check, time, counts, payload hash and warnings.
 * Pure: no storage, no clock (the receive time is passed in). Every refusal is an `HttpError`.
 */
import { createHash } from "node:crypto";
import { HttpError } from "../fresh/errors.ts";
import {
  checkJsonLimits,
  DEPTH_EXPECTED,
  JSON_LIMITS,
  type JsonGuardIssue,
  scanNestingDepth,
} from "./json_guard.ts";
import { statusShapeIssues } from "./shape.ts";
import { normalizeTimestamp } from "./timestamp.ts";
import type { IngestCounts, ParsedSnapshot } from "./types.ts";

/** agent-protocol §1.9: the body cap. */
export const DEFAULT_MAX_STATUS_BYTES = 1_000_000;
/** agent-protocol §1.10 step 5: beyond this the snapshot gets a skew warning (never refused). */
export const CLOCK_SKEW_WARN_MINUTES = 30;
/** At most this many issues are listed in `details.issues`; the first is in the message. */
const MAX_LISTED_ISSUES = 20;

/** The host the push is for, as the registry knows it. */
export interface ParseHost {
  id: string;
  name: string;
  slug: string;
  disabled?: boolean;
}

export interface ParseOptions {
  /** Receive time: fallback `ts` and reference for the skew warning. */
  receivedAt: Date;
  host: ParseHost;
  /** Default 1,000,000 (agent-protocol §1.9). */
  maxBytes?: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function invalidPayload(issues: JsonGuardIssue[]): HttpError {
  const first = issues[0];
  return new HttpError(400, `${first.path}: expected ${first.expected}`, {
    code: "invalid_payload",
    details: { issues: issues.slice(0, MAX_LISTED_ISSUES) },
  });
}

/** Bytes → JSON object, or the 4xx of §1.10 step 3 (plus the structural limits). */
function decodeBody(bytes: Uint8Array, maxBytes: number): Json {
  if (bytes.byteLength === 0) {
    throw new HttpError(400, "The body is empty.", { code: "empty_body" });
  }
  if (bytes.byteLength > maxBytes) {
    throw new HttpError(413, `The body is larger than ${maxBytes} bytes.`, {
      code: "payload_too_large",
      details: { limitBytes: maxBytes },
    });
  }
  const invalidJson = () =>
    new HttpError(400, "The body is not valid UTF-8 JSON.", { code: "invalid_json" });
  const notAnObject = () =>
    new HttpError(400, "The body must be a JSON object.", { code: "not_an_object" });
  let text: string;
  try {
    // fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD (which would make
    // the stored text differ from the hashed bytes).
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalidJson();
  }
  // Deep nesting is refused from the text: JSON.parse would spend ~0.2 s building a megabyte of
  // nested arrays before the walk below could refuse them.
  const deepPath = scanNestingDepth(text, JSON_LIMITS.maxDepth);
  if (deepPath !== null) {
    if (!text.trimStart().startsWith("{")) throw notAnObject();
    throw invalidPayload([{ path: deepPath, expected: DEPTH_EXPECTED }]);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidJson();
  }
  if (!isObject(body)) throw notAnObject();
  // Before anything else walks the value: nothing later may recurse into a hostile structure.
  const limitIssue = checkJsonLimits(body);
  if (limitIssue) throw invalidPayload([limitIssue]);
  return body;
}

/** `_`-prefixed members are reserved for the control plane (§1.10 step 4). */
function withoutReserved(obj: Json): Json {
  // Object.fromEntries defines own properties, so no key can reach a prototype.
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !k.startsWith("_")));
}

function finiteNumber(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function arrayLength(v: unknown): number | null {
  return Array.isArray(v) ? v.length : null;
}

/**
 * The counts of §1.10 steps 6–7, and the count-mismatch warning.
 *
 * @example
 * ```ts
 * ingestCounts({ alerts: [{}, {}], public_ports_count: 2, unexpected_public_ports_count: 1 })
 * // { counts: { alertsCount: 2, publicPortsTotalCount: 2, publicPortsCount: 1, … }, warnings: [] }
 * ```
 */
export function ingestCounts(base: Json): { counts: IngestCounts; warnings: string[] } {
  const warnings: string[] = [];
  const declaredAlerts = finiteNumber(base.alerts_count);
  const listedAlerts = arrayLength(base.alerts);
  if (declaredAlerts !== null && listedAlerts !== null && declaredAlerts !== listedAlerts) {
    warnings.push("ingest_alerts_count_mismatch");
  }
  const alertsCount = declaredAlerts ?? listedAlerts ?? 0;
  const publicPortsTotalCount = finiteNumber(base.public_ports_count) ??
    arrayLength(base.ports_public) ?? 0;
  const unexpectedPublicPortsCount = finiteNumber(base.unexpected_public_ports_count) ??
    arrayLength(base.ports_public_unexpected);
  const rules = Array.isArray(base.expected_public_ports)
    ? base.expected_public_ports.filter((r): r is string => typeof r === "string")
    : [];
  return {
    counts: {
      alertsCount,
      publicPortsTotalCount,
      publicPortsCount: unexpectedPublicPortsCount ?? publicPortsTotalCount,
      unexpectedPublicPortsCount,
      expectedPublicPorts: rules.length > 0 ? rules : null,
    },
    warnings,
  };
}

/** The self-reported hostname, made safe to embed in a warning code. */
function warningHost(host: string): string {
  const clean = host.replace(/\p{Cc}/gu, "?");
  return clean.length > 253 ? `${clean.slice(0, 253)}…` : clean;
}

// node:crypto hashes synchronously: Web Crypto's promise round trip cost ~6 % of ingest CPU.
function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Parses and validates one status push (bare `status.json` or the `{status, last, diff, ok}`
 * envelope). Refusals: 400 `empty_body`, 413 `payload_too_large`, 400 `invalid_json`,
 * 400 `not_an_object`, 400 `invalid_payload` (with `details.issues: [{path, expected}]`).
 * Never rejected for `ts`, unknown or missing members.
 *
 * @example
 * ```ts
 * const parsed = await parseStatusPush(bytes, {
 *   receivedAt: new Date(),
 *   host: { id: "01HOST", name: "web-1", slug: "web-1" },
 * });
 * parsed.counts.alertsCount; // 1
 * parsed.warnings;           // e.g. ["ingest_clock_skew_high:45m"]
 * ```
 */
export function parseStatusPush(bytes: Uint8Array, opts: ParseOptions): Promise<ParsedSnapshot> {
  // A promise for callers; the work is synchronous (hashing included), so errors reject it.
  try {
    return Promise.resolve(parseNow(bytes, opts));
  } catch (error) {
    return Promise.reject(error);
  }
}

function parseNow(bytes: Uint8Array, opts: ParseOptions): ParsedSnapshot {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_STATUS_BYTES;
  const body = decodeBody(bytes, maxBytes);
  const envelope = isObject(body.status) ? body : null;
  const base = withoutReserved(envelope ? body.status as Json : body);
  const shapeIssues = statusShapeIssues(base, envelope);
  if (shapeIssues.length > 0) throw invalidPayload(shapeIssues);

  const warnings: string[] = [];
  const receivedMs = opts.receivedAt.getTime();
  const receivedAt = opts.receivedAt.toISOString();
  let ts = normalizeTimestamp(base.ts ?? body.ts);
  if (ts === null) {
    ts = receivedAt;
    warnings.push("ingest_ts_invalid_or_missing");
  } else {
    const skewMinutes = Math.abs(receivedMs - Date.parse(ts)) / 60_000;
    if (skewMinutes > CLOCK_SKEW_WARN_MINUTES) {
      warnings.push(`ingest_clock_skew_high:${Math.round(skewMinutes)}m`);
    }
  }

  const { counts, warnings: countWarnings } = ingestCounts(base);
  warnings.push(...countWarnings);

  const reportedHost = typeof base.host === "string" ? base.host : null;
  const { host } = opts;
  if (reportedHost !== null && !hostMatches(reportedHost, host)) {
    warnings.push(`ingest_host_mismatch:${warningHost(reportedHost)}`);
  }
  if (host.disabled) warnings.push("ingest_host_disabled");

  return {
    base,
    last: envelope && isObject(body.last) ? body.last : null,
    diff: envelope && isObject(body.diff) ? body.diff : null,
    okFlag: typeof body.ok === "boolean" ? body.ok : true,
    ts,
    receivedAt,
    warnings,
    counts,
    payloadHash: sha256Hex(bytes),
    payloadBytes: bytes.byteLength,
    reportedHost,
    agentVersion: typeof base.version === "string" ? base.version : null,
  };
}

/** Hostnames are case-insensitive (RFC 4343); the registry's id, name or slug may be given. */
function hostMatches(reported: string, host: ParseHost): boolean {
  const r = reported.trim().toLowerCase();
  return [host.id, host.name, host.slug].some((c) => c.trim().toLowerCase() === r);
}
