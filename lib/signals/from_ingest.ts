/**
 * Signals from the ingest warnings of `parseStatusPush` (agent-protocol §1.10): the payload's
 * integrity as the control plane saw it (clock, counts, self-reported host).
 */
import type { Severity, Signal } from "./types.ts";
import { makeSignal, snakeCode } from "./read.ts";

const WARNINGS: ReadonlyMap<string, { severity: Severity; title: string; detail: string }> =
  new Map([
    ["ingest_ts_invalid_or_missing", {
      severity: "low",
      title: "Snapshot time missing or invalid",
      detail: "The snapshot's ts was missing or not RFC 3339; the receive time was used instead.",
    }],
    ["ingest_clock_skew_high", {
      severity: "low",
      title: "Host clock skew",
      detail: "The snapshot's ts is more than 30 minutes away from the receive time.",
    }],
    ["ingest_alerts_count_mismatch", {
      severity: "info",
      title: "Alert count mismatch",
      detail: "alerts_count differs from the number of alerts in the payload.",
    }],
    ["ingest_host_mismatch", {
      severity: "medium",
      title: "Reported hostname does not match the host",
      detail: "The payload's host matches none of this host's id, name or slug.",
    }],
    ["ingest_host_disabled", {
      severity: "info",
      title: "Snapshot for a disabled host",
      detail: "The host is disabled; the snapshot was stored anyway.",
    }],
  ]);

/**
 * One signal per ingest warning (`code[:value]`); unknown warnings become info signals.
 *
 * @example
 * ```ts
 * ingestSignals(["ingest_clock_skew_high:45m"], ts)
 * // [{ code: "ingest_clock_skew_high", severity: "low", evidence: { skewMinutes: 45 }, … }]
 * ```
 */
export function ingestSignals(warnings: readonly string[], ts: string): Signal[] {
  return warnings.map((warning) => {
    const colon = warning.indexOf(":");
    const code = snakeCode(colon < 0 ? warning : warning.slice(0, colon), 80);
    const value = colon < 0 ? "" : warning.slice(colon + 1);
    const known = WARNINGS.get(code);
    const evidence: Record<string, unknown> = {};
    let detail = known?.detail ?? warning;
    if (code === "ingest_clock_skew_high") {
      const minutes = Number.parseInt(value, 10);
      if (Number.isFinite(minutes)) {
        evidence.skewMinutes = minutes;
        detail = `The snapshot's ts is ${minutes} minutes away from the receive time.`;
      }
    } else if (code === "ingest_host_mismatch") {
      evidence.reportedHost = value;
      detail = `The payload reports host "${value}", which matches none of this host's id, name ` +
        "or slug.";
    } else if (value) evidence.value = value;
    return makeSignal(ts, {
      code,
      severity: known?.severity ?? "info",
      title: known?.title ?? code,
      detail,
      source: "ingest",
      fingerprint: code,
      evidence,
    });
  });
}
