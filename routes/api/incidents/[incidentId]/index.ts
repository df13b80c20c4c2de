import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { incidentAction } from "@/lib/incidents/admin.ts";
import { incidentNotFound } from "@/lib/incidents/model.ts";
import { getIncident } from "@/lib/incidents/query.ts";
import { workflowStates } from "@/lib/incidents/workflow_run.ts";
import { getPostmortem } from "@/lib/incidents/postmortem.ts";

/**
 * One incident (viewer): timeline, links, workflow step results, postmortem. POST
 * `{action: acknowledge | resolve | close | reopen | assign | note | link | unlink, …}` (ops and
 * above, audited; 409 on an illegal transition).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const orgId = authOf(ctx).org!.id;
    const { ledger, clock } = ctx.state.services;
    const found = await getIncident(ledger, orgId, ctx.params.incidentId, clock.now());
    if (!found) throw incidentNotFound();
    return ok({
      ...found,
      workflows: await workflowStates(ledger, orgId, found.incident.id),
      postmortem: await getPostmortem(ledger, orgId, found.incident.id),
    });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const incident = await incidentAction(services, auth, ctx.params.incidentId, body, client);
    return ok({ incident });
  },
});
