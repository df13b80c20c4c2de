/**
 * A finding's evidence (the agent's JSON: process facts, listener, destinations) as labelled facts
 * a person reads, in a stable order: the known fields first, then the rest by name.
 *
 * @module
 */

/** Labels of the evidence fields the agent sends, in the order they are shown. */
const LABELS: ReadonlyArray<[string, string]> = [
  ["pid", "PID"],
  ["ppid", "Parent PID"],
  ["user", "User"],
  ["exe", "Executable"],
  ["cmdline", "Command line"],
  ["sig", "Listener"],
  ["proto", "Protocol"],
  ["host", "Address"],
  ["port", "Port"],
  ["proc", "Process"],
  ["destinations", "Destinations"],
  ["reasons", "Reasons"],
  ["cpu_percent", "CPU %"],
  ["mitre", "ATT&CK"],
];
const KNOWN = new Map(LABELS);

/** A value as text: lists joined, objects as compact JSON, nothing empty. */
function valueText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(valueText).filter(Boolean).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** `cpu_percent` → "Cpu percent": a field the agent may add later, still readable. */
function spelled(key: string): string {
  const text = key.replaceAll("_", " ").trim();
  return text ? text[0].toUpperCase() + text.slice(1) : key;
}

/**
 * The evidence as `[label, text]` pairs; empty values are left out.
 *
 * @example
 * ```ts
 * evidenceFacts({ pid: 9485, exe: "/usr/bin/bash", reasons: ["deleted exe", "fd socket"] });
 * // [["PID", "9485"], ["Executable", "/usr/bin/bash"], ["Reasons", "deleted exe, fd socket"]]
 * ```
 */
export function evidenceFacts(evidence: unknown): Array<[string, string]> {
  if (evidence === null || typeof evidence !== "object" || Array.isArray(evidence)) {
    const text = valueText(evidence);
    return text ? [["Evidence", text]] : [];
  }
  const record = evidence as Record<string, unknown>;
  const keys = [
    ...LABELS.map(([key]) => key).filter((key) => Object.hasOwn(record, key)),
    ...Object.keys(record).filter((key) => !KNOWN.has(key)).sort(),
  ];
  return keys.flatMap((key): Array<[string, string]> => {
    const text = valueText(record[key]);
    return text ? [[KNOWN.get(key) ?? spelled(key), text]] : [];
  });
}
