import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { createIncidentByHand } from "@/lib/incidents/admin.ts";
import { incidentListQuery } from "@/lib/incidents/list_input.ts";
import {
  incidentCounts,
  incidentListOptions,
  isOverdue,
  listIncidentsPage,
} from "@/lib/incidents/query.ts";

/**
 * The organization's incidents (viewer): filters `state`, `severity`, `host`, `assignee`,
 * `overdue`, cursor `after`, with counts per state and of overdue acknowledgements. POST opens
 * one by hand (ops and above, audited).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const orgId = authOf(ctx).org!.id;
    const { ledger, clock } = ctx.state.services;
    const q = incidentListQuery(ctx.url);
    const now = clock.now();
    const { incidents, nextCursor } = await listIncidentsPage(
      ledger,
      orgId,
      incidentListOptions(q),
      now,
    );
    return ok({
      incidents: incidents.map((i) => ({ ...i, overdue: isOverdue(i, now) })),
      counts: await incidentCounts(ledger, orgId, now),
      nextCursor,
    });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const incident = await createIncidentByHand(services, auth, body, client);
    return ok({ incident }, { status: 201 });
  },
});
