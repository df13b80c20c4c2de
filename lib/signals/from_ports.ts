/**
 * `unexpected_public_port` signals: one per unexpected public `proto:port` (agent-protocol §1.7),
 * high, fingerprint `unexpected_public_port|<proto>:<port>`. Listeners on the same proto and port
 * (e.g. `0.0.0.0` and `::`) are one finding and one signal, with every listener in evidence.
 */
import type { Signal } from "./types.ts";
import { type Listener, unexpectedListeners } from "./port_rules.ts";
import { makeSignal, type Obj } from "./read.ts";

function endpoint(l: Listener): string {
  const host = l.host.includes(":") ? `[${l.host}]` : l.host || "*";
  return `${host}:${l.port}`;
}

function listenerEvidence(l: Listener): Record<string, unknown> {
  return { proto: l.proto, host: l.host, port: l.port, proc: l.proc, pid: l.pid, sig: l.sig };
}

/**
 * Signals for the host's unexpected public listeners.
 *
 * @example
 * ```ts
 * portSignals(parsed.base, parsed.ts).map((s) => s.fingerprint)
 * // ["unexpected_public_port|tcp:6379", "unexpected_public_port|tcp:8080"]
 * ```
 */
export function portSignals(base: Obj, ts: string): Signal[] {
  const found = unexpectedListeners(base);
  if (!found) return [];
  const byPort = new Map<string, Listener[]>();
  for (const l of found.listeners) {
    const key = `${l.proto}:${l.port}`;
    byPort.set(key, [...byPort.get(key) ?? [], l]);
  }
  const out: Signal[] = [];
  for (const [key, listeners] of byPort) {
    const first = listeners[0];
    const proc = listeners.map((l) => l.proc).find(Boolean) ?? "";
    const who = first.proc
      ? `${first.proc}${first.pid ? ` (pid ${first.pid})` : ""}`
      : "An unidentified process";
    const where = listeners.map(endpoint).join(" and ");
    const detail = [
      `${who} listens on ${where} (${first.proto}), which matches no expected-port rule and no ` +
      "inbound firewall block.",
      found.computed ? "Computed by the control plane from ports_public and the host's rules." : "",
      ...listeners.map((l) => l.raw).filter(Boolean),
    ].filter(Boolean).join("\n");
    const evidence: Record<string, unknown> = listenerEvidence(first);
    if (listeners.length > 1) evidence.listeners = listeners.map(listenerEvidence);
    if (found.computed) evidence.computed = true;
    out.push(makeSignal(ts, {
      code: "unexpected_public_port",
      severity: "high",
      title: `Unexpected public port ${key}${proc ? ` (${proc})` : ""}`,
      detail,
      source: "ports",
      fingerprint: `unexpected_public_port|${key}`,
      evidence,
    }));
  }
  return out;
}
