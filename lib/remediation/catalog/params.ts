/**
 * zod schemas for the values that flow from params (or from a snapshot) into a job's argv. Each
 * one admits only a small alphabet, so no shell metacharacter, whitespace, option-looking value
 * or non-ASCII character can reach a step, whatever the caller sends.
 *
 * @module
 */

import { z } from "zod";

/** `proto:port` as the signals and plan targets spell it. */
export const PORT_SPEC_RE = /^(tcp|udp):([1-9][0-9]{0,4})$/;

/** A systemd service name: no leading `-` or `.` (never read as an option), ≤ 255 characters. */
export const UNIT_NAME_RE = /^[A-Za-z0-9@_:][A-Za-z0-9@._:-]{0,246}\.service$/;

/** Linux `pid_max` can be at most 2^22. */
export const MAX_PID = 4_194_304;

/**
 * `tcp:6379`: proto `tcp`/`udp` (lowercase), port 1–65535.
 *
 * @example
 * ```ts
 * portSpecSchema.parse("tcp:6379"); // "tcp:6379"
 * ```
 */
export const portSpecSchema = z.string().regex(
  PORT_SPEC_RE,
  "write the port as proto:port, e.g. tcp:6379 (proto tcp or udp, lowercase)",
).refine(
  (v) => Number(v.slice(4)) <= 65535,
  "the port must be between 1 and 65535",
);

/**
 * A systemd `.service` unit name.
 *
 * @example
 * ```ts
 * unitNameSchema.parse("redis-server.service");
 * ```
 */
export const unitNameSchema = z.string().regex(
  UNIT_NAME_RE,
  "give a systemd service name such as redis-server.service (letters, digits, @ . _ : -; " +
    "not starting with - or .)",
);

/**
 * A process id that may be signalled: 2–4,194,304 (never 0, 1 or a negative group id).
 *
 * @example
 * ```ts
 * pidSchema.parse(2817);
 * ```
 */
export const pidSchema = z.number().int("the pid must be an integer").min(
  2,
  "the pid must be 2 or more (0 and 1 address process groups or init)",
).max(MAX_PID, `the pid must be at most ${MAX_PID}`);

/**
 * Sorted and de-duplicated, so params that differ only in order give one plan.
 *
 * @example
 * ```ts
 * uniqueSorted(["b", "a", "b"]); // ["a", "b"]
 * ```
 */
export function uniqueSorted<T extends string | number>(
  values: readonly T[],
  compare?: (a: T, b: T) => number,
): T[] {
  return [...new Set(values)].sort(compare ?? ((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Parses `proto:port` (already validated) into its parts.
 *
 * @example
 * ```ts
 * splitPortSpec("udp:68"); // { proto: "udp", port: 68 }
 * ```
 */
export function splitPortSpec(spec: string): { proto: "tcp" | "udp"; port: number } {
  const m = PORT_SPEC_RE.exec(spec);
  if (!m) throw new Error(`not a port spec: ${spec}`);
  return { proto: m[1] as "tcp" | "udp", port: Number(m[2]) };
}

/**
 * Orders port specs by proto, then port number (a stable plan order).
 *
 * @example
 * ```ts
 * ["tcp:8080", "tcp:443"].sort(comparePortSpecs); // ["tcp:443", "tcp:8080"]
 * ```
 */
export function comparePortSpecs(a: string, b: string): number {
  const pa = splitPortSpec(a);
  const pb = splitPortSpec(b);
  return pa.proto < pb.proto ? -1 : pa.proto > pb.proto ? 1 : pa.port - pb.port;
}
