/**
 * Signals from the per-run SSH counters (`auth`, agent-protocol §1.4.1). The agent alerts on
 * noise only at 25 failed passwords or 10 invalid users; below that the activity is still worth
 * a low, informative signal. A zero proves nothing (journald-only hosts always report 0).
 */
import type { Signal } from "./types.ts";
import { count, makeSignal, type Obj, obj, objects, str } from "./read.ts";
import { counted } from "../text/plural.ts";

/** The agent's default `alert_failed_ssh_threshold` and `alert_invalid_user_threshold`. */
export const SSH_NOISE_THRESHOLDS = { failedPassword: 25, invalidUser: 10 } as const;

/**
 * `ssh_bruteforce_activity` (low below the agent's thresholds, medium at or above them when the
 * agent raised no `ssh_noise_spike`) and `new_ssh_accept` (high) when the counter shows new
 * accepted logins the alerts did not already report.
 *
 * @example
 * ```ts
 * authSignals({ auth: { ssh_failed_password: 23, ssh_invalid_user: 7 } }, null, ts, new Set())
 * // [{ code: "ssh_bruteforce_activity", severity: "low", mitre: ["T1110"], … }]
 * ```
 */
export function authSignals(
  base: Obj,
  last: Obj | null,
  ts: string,
  alertCodes: ReadonlySet<string>,
): Signal[] {
  const auth = obj(base.auth);
  if (!auth) return [];
  const out: Signal[] = [];
  const failed = count(auth.ssh_failed_password);
  const invalid = count(auth.ssh_invalid_user);
  const accepts = count(auth.new_ssh_accepts_count);
  if ((failed > 0 || invalid > 0) && !alertCodes.has("ssh_noise_spike")) {
    const spike = failed >= SSH_NOISE_THRESHOLDS.failedPassword ||
      invalid >= SSH_NOISE_THRESHOLDS.invalidUser;
    out.push(makeSignal(ts, {
      code: "ssh_bruteforce_activity",
      severity: spike ? "medium" : "low",
      title: "SSH login failures",
      detail: `Failed password: ${failed}, Invalid user: ${invalid} since the previous run` +
        (spike ? "." : " (below the agent's noise-spike thresholds of 25 and 10)."),
      source: "auth",
      fingerprint: "ssh_bruteforce_activity",
      evidence: { ssh_failed_password: failed, ssh_invalid_user: invalid },
      mitre: ["T1110"],
    }));
  }
  if (accepts > 0 && !alertCodes.has("new_ssh_accept")) {
    // The envelope's last.json names who and from where; status.json only counts.
    const who = objects(last?.new_ssh_accepts).slice(0, 20).map((a) => ({
      user: str(a.user),
      ip: str(a.ip),
    }));
    out.push(makeSignal(ts, {
      code: "new_ssh_accept",
      severity: "high",
      title: "New SSH accepted login",
      detail:
        `${
          counted(accepts, "accepted SSH login")
        } from an IP or user not seen in the last 30 days` +
        (who.length ? `: ${who.map((a) => `${a.user}@${a.ip}`).join(", ")}.` : "."),
      source: "auth",
      fingerprint: "new_ssh_accept",
      evidence: who.length ? { new_ssh_accepts_count: accepts, accepts: who } : {
        new_ssh_accepts_count: accepts,
      },
      mitre: ["T1078"],
    }));
  }
  return out;
}
