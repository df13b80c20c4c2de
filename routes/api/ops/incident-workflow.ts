import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { incidentInOrgOr404 } from "@/lib/incidents/model.ts";
import { WORKFLOWS } from "@/lib/incidents/workflows.ts";
import { workflowStates, workflowStep } from "@/lib/incidents/workflow_run.ts";

/**
 * Incident workflows (ops): GET the catalog (with `?incidentId=` the incident's step results);
 * POST `{incidentId, workflowId, stepId, action: run | done | skip}` runs or marks one step,
 * recorded on the timeline and audited.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const orgId = authOf(ctx).org!.id;
    const incidentId = ctx.url.searchParams.get("incidentId");
    if (incidentId === null || incidentId === "") return ok({ workflows: WORKFLOWS });
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(incidentId)) {
      throw new HttpError(400, "incidentId: not a valid id", {
        code: "invalid_input",
        details: { field: "incidentId" },
      });
    }
    const { ledger } = ctx.state.services;
    await incidentInOrgOr404(ledger, orgId, incidentId);
    return ok({ workflows: WORKFLOWS, steps: await workflowStates(ledger, orgId, incidentId) });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const out = await workflowStep(services, auth, body, client);
    return ok({ step: out.state, incident: out.incident });
  },
});
