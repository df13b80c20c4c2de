import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { deleteHostConfirmed, editHost, hostOr404, hostView } from "@/lib/hosts/admin.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** One host of the active organization: view (viewer), edit and delete (admin). */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const host = await hostOr404(ctx.state.services, auth.org!.id, ctx.params.hostId);
    return ok(await hostView(ctx.state.services, host));
  },
  async PUT(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const host = await editHost(services, auth, ctx.params.hostId, body, client);
    return ok({ host });
  },
  async DELETE(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const deleted = await deleteHostConfirmed(services, auth, ctx.params.hostId, body, client);
    return ok({
      deleted: { keys: deleted.keys, snapshots: deleted.snapshots, signals: deleted.signals },
    });
  },
});
