/**
 * RFC 8785 (JCS) for the plain JSON of job plans, and the plan hash of agent-protocol §3.2. Pure
 * and dependency-free: the control plane and the host runner bundle both import it, so both sides
 * hash a plan the same way.
 *
 * @module
 */

/** JSON values a plan may hold: strings, integers, booleans, arrays and objects (and null). */
export type JcsValue =
  | string
  | number
  | boolean
  | null
  | JcsValue[]
  | { [key: string]: JcsValue };

/**
 * Serializes `value` with object keys sorted by UTF-16 code units and no whitespace. Numbers
 * must be finite; `undefined` members are dropped, as `JSON.stringify` does.
 *
 * @example
 * ```ts
 * jcs({ b: [1, true], a: "x" }); // '{"a":"x","b":[1,true]}'
 * ```
 */
export function jcs(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JCS: numbers must be finite");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(",")}]`;
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record).filter((key) => record[key] !== undefined).sort()
      .map((key) => `${JSON.stringify(key)}:${jcs(record[key])}`);
    return `{${members.join(",")}}`;
  }
  throw new TypeError(`JCS: cannot serialize a ${typeof value}`);
}

/** The members of a job that its plan hash covers. */
export interface PlanHashInput {
  actionId: string;
  actionVersion: number;
  steps: readonly unknown[];
}

/**
 * Lowercase hex SHA-256 of JCS `{actionId, actionVersion, steps}` (agent-protocol §3.2). `mode`
 * and `aud` are left out, so approvals bind to the steps alone.
 *
 * @example
 * ```ts
 * const hash = await planHash({ actionId: "block-ip", actionVersion: 1, steps });
 * hash.slice(0, 8); // the part an operator types in `EXECUTE block-ip <hash8>`
 * ```
 */
export async function planHash(input: PlanHashInput): Promise<string> {
  const text = jcs({
    actionId: input.actionId,
    actionVersion: input.actionVersion,
    steps: input.steps,
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
