/**
 * Queue consumers of remediation runs: each re-reads the run and acts through a conditional
 * state change (see `lib/remediation/lifecycle.ts` and `outcomes.ts`), so a duplicated or late
 * message does nothing.
 *
 * @module
 */

import { dispatchRun, expireRun } from "../lib/remediation/lifecycle.ts";
import { confirmDeadline, unbanExpired } from "../lib/remediation/outcomes.ts";
import type { Services } from "../lib/services.ts";
import type { QueueHandlers } from "./queue.ts";

/**
 * The four remediation message handlers.
 *
 * @example
 * ```ts
 * const handlers = { "scheduler.ping": …, ...remediationQueueHandlers(services) };
 * ```
 */
export function remediationQueueHandlers(
  services: Services,
): Pick<
  QueueHandlers,
  | "remediation.dispatch"
  | "remediation.expire"
  | "remediation.confirm_deadline"
  | "remediation.unban"
> {
  return {
    "remediation.dispatch": async (m) => {
      await dispatchRun(services, m.runId);
    },
    "remediation.expire": async (m) => {
      await expireRun(services, m.runId);
    },
    "remediation.confirm_deadline": (m) => confirmDeadline(services, m.runId),
    "remediation.unban": (m) => unbanExpired(services, m.runId),
  };
}
