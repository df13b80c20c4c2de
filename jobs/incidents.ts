/**
 * Queue consumer of incident escalation timers: `incident.escalate` re-reads the incident and
 * escalates only through a conditional step change (`lib/incidents/escalation.ts`), so a
 * duplicated or late message does nothing. Timers whose message never came are acted on by the
 * `escalation-sweep` cron (`jobs/escalation_sweep.ts`) through the same step.
 *
 * @module
 */

import { escalateIncident } from "../lib/incidents/escalation.ts";
import type { Services } from "../lib/services.ts";
import type { QueueHandlers } from "./queue.ts";

/**
 * The incident message handlers.
 *
 * @example
 * ```ts
 * const handlers = { "scheduler.ping": …, ...incidentQueueHandlers(services) };
 * await handlers["incident.escalate"](escalateMessage(incident.id, incident.escalationStep));
 * ```
 */
export function incidentQueueHandlers(
  services: Services,
): Pick<QueueHandlers, "incident.escalate"> {
  return {
    "incident.escalate": async (m) => {
      const result = await escalateIncident(services, m.incidentId, m.step);
      services.log.debug("incident escalation timer", {
        incidentId: m.incidentId,
        step: m.step,
        outcome: result.outcome,
      });
    },
  };
}
