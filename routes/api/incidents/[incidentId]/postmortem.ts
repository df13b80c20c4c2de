import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { incidentInOrgOr404 } from "@/lib/incidents/model.ts";
import { getPostmortem } from "@/lib/incidents/postmortem.ts";
import { editPostmortemAs, finishPostmortemAs } from "@/lib/incidents/postmortem_admin.ts";

/**
 * An incident's postmortem (viewer; 404 before the incident is resolved). PUT edits the draft,
 * POST `{action: publish}` or `{action: waive, reason}` ends it (ops and above, audited; 409
 * once published or waived).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const orgId = authOf(ctx).org!.id;
    const { ledger } = ctx.state.services;
    await incidentInOrgOr404(ledger, orgId, ctx.params.incidentId);
    const postmortem = await getPostmortem(ledger, orgId, ctx.params.incidentId);
    if (!postmortem) {
      throw new HttpError(404, "No postmortem yet: it is drafted when the incident is resolved.", {
        code: "no_postmortem",
      });
    }
    return ok({ postmortem });
  },
  async PUT(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const postmortem = await editPostmortemAs(services, auth, ctx.params.incidentId, body, client);
    return ok({ postmortem });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const postmortem = await finishPostmortemAs(
      services,
      auth,
      ctx.params.incidentId,
      body,
      client,
    );
    return ok({ postmortem });
  },
});
