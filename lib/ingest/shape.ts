/**
 * The status shape check of agent-protocol §1.10 step 4: missing and unknown members pass; a
 * known member present with an impossible type is refused with the JSON path that is wrong.
 * Nothing here coerces or strips: the stored `base` is the object as it arrived.
 */
import { z } from "zod";
import { formatPath, type JsonGuardIssue } from "./json_guard.ts";

// Each error text is the `expected` clients see: `alerts[3].severity: expected a string`.
const str = () => z.string({ error: "a string" }).optional();
const arr = (item: z.ZodType = z.unknown()) => z.array(item, { error: "an array" }).optional();
const numOrNull = () => z.number({ error: "a number or null" }).nullable().optional();
const objOrNull = () => z.looseObject({}, { error: "an object or null" }).nullable().optional();

const Alert = z.looseObject({
  title: str(),
  detail: str(),
  severity: str(),
  code: str(),
}, { error: "an object" });

/** The known members of `status.json` and the types they can never have. */
export const StatusShape = z.looseObject({
  host: str(),
  version: str(),
  alerts: arr(Alert),
  ports_public: arr(),
  ports_local: arr(),
  ports_public_unexpected: arr(),
  expected_public_ports: arr(),
  alerts_count: numOrNull(),
  public_ports_count: numOrNull(),
  unexpected_public_ports_count: numOrNull(),
  auth: objOrNull(),
  threat: objOrNull(),
  vitals: objOrNull(),
  project_storage: objOrNull(),
  garbage_estimate: objOrNull(),
});

/** The envelope's own members (`status`, `last`, `diff` are read leniently). */
const EnvelopeShape = z.looseObject({ ok: z.boolean({ error: "a boolean" }).optional() });

/**
 * Every shape issue of a status base (and, for an envelope, its `ok`), paths relative to the
 * request body: `alerts[3].severity`, or `status.alerts[3].severity` inside an envelope.
 *
 * @example
 * ```ts
 * statusShapeIssues({ host: 7 }, null) // [{ path: "host", expected: "a string" }]
 * ```
 */
export function statusShapeIssues(
  base: Record<string, unknown>,
  envelope: Record<string, unknown> | null,
): JsonGuardIssue[] {
  const issues: JsonGuardIssue[] = [];
  const prefix = envelope ? ["status"] : [];
  const result = StatusShape.safeParse(base);
  if (!result.success) {
    for (const i of result.error.issues) {
      issues.push({ path: formatPath([...prefix, ...i.path.map(pathPart)]), expected: i.message });
    }
  }
  if (envelope) {
    const env = EnvelopeShape.safeParse(envelope);
    if (!env.success) {
      for (const i of env.error.issues) {
        issues.push({ path: formatPath(i.path.map(pathPart)), expected: i.message });
      }
    }
  }
  return issues;
}

function pathPart(p: PropertyKey): string | number {
  return typeof p === "number" ? p : String(p);
}
