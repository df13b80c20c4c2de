/**
 * Expected-port rules (agent-protocol §1.7): `proto:port[-port]`, comma-separated, proto
 * case-insensitive, whitespace ignored. Matching uses proto and port only. A reversed range
 * matches nothing (as the agent's normalize step behaves) and unparseable tokens are ignored.
 */
import { num, type Obj, objects, str, strings } from "./read.ts";

export interface PortRule {
  proto: "tcp" | "udp";
  from: number;
  to: number;
}

/**
 * Parses rule tokens; bad tokens are dropped.
 *
 * @example
 * ```ts
 * parsePortRules(["udp:68", " TCP:3100 - 3199 ", "bogus"])
 * // [{ proto: "udp", from: 68, to: 68 }, { proto: "tcp", from: 3100, to: 3199 }]
 * ```
 */
export function parsePortRules(tokens: readonly string[]): PortRule[] {
  const rules: PortRule[] = [];
  for (const token of tokens.flatMap((t) => t.split(","))) {
    const m = /^(tcp|udp):(\d{1,5})(?:-(\d{1,5}))?$/i.exec(token.replace(/\s+/g, ""));
    if (!m) continue;
    const from = Number(m[2]);
    const to = m[3] ? Number(m[3]) : from;
    if (from < 1 || to < 1) continue;
    rules.push({ proto: m[1].toLowerCase() as "tcp" | "udp", from, to });
  }
  return rules;
}

/** Whether `proto:port` is covered by a rule (a reversed range covers nothing). */
export function portExpected(proto: string, port: number, rules: readonly PortRule[]): boolean {
  const p = proto.toLowerCase();
  return rules.some((r) => r.proto === p && r.from <= port && port <= r.to);
}

/** A public listener reduced to what the port signals need. */
export interface Listener {
  proto: string;
  host: string;
  port: number;
  proc: string;
  pid: number | null;
  sig: string;
  raw: string;
}

/** A port item as a `Listener`, or `null` when it has no usable proto/port. */
export function toListener(item: Obj): Listener | null {
  let proto = str(item.proto).toLowerCase();
  let port = num(item.port);
  const sig = str(item.sig);
  if ((!proto || port === null) && sig) {
    // Fall back to the sig (`proto|host|port|proc`) when the item itself lacks the fields.
    const parts = sig.split("|");
    proto ||= (parts[0] ?? "").toLowerCase();
    port ??= /^\d+$/.test(parts[2] ?? "") ? Number(parts[2]) : null;
  }
  if (!proto || port === null || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return {
    proto,
    host: str(item.host),
    port,
    proc: str(item.proc),
    pid: num(item.pid),
    sig,
    raw: str(item.raw),
  };
}

/**
 * The unexpected public listeners: `ports_public_unexpected` as the agent computed it, or, when
 * that member is absent, `ports_public` minus expected rules and `blocked_inbound_ports`.
 * `null` when neither is possible (no list and no rules: the answer is unknown, not "none").
 *
 * @example
 * ```ts
 * unexpectedListeners({ ports_public: [{ proto: "tcp", port: 6379 }], expected_public_ports: [] })
 * // { computed: true, listeners: [{ proto: "tcp", port: 6379, … }] }
 * ```
 */
export function unexpectedListeners(
  base: Obj,
): { computed: boolean; listeners: Listener[] } | null {
  if (Array.isArray(base.ports_public_unexpected)) {
    return {
      computed: false,
      listeners: objects(base.ports_public_unexpected).map(toListener).filter((l) => l !== null),
    };
  }
  if (!Array.isArray(base.expected_public_ports)) return null;
  const rules = parsePortRules(strings(base.expected_public_ports));
  const blocked = new Set(strings(base.blocked_inbound_ports).map((b) => b.trim().toLowerCase()));
  const listeners = objects(base.ports_public)
    .filter((p) => p.public !== false)
    .map(toListener)
    .filter((l): l is Listener => l !== null)
    .filter((l) => !portExpected(l.proto, l.port, rules) && !blocked.has(`${l.proto}:${l.port}`));
  return { computed: true, listeners };
}
