import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { deleteHostConfirmed, editHost, hostOr404, hostView } from "@/lib/hosts/admin.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** One host of the active organization: view (viewer), edit and delete (admin). */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const host = await hostOr404(ctx.state.services, auth.org!.id, ctx.params.hostId);
    return ok(await hostView(ctx.state.services, host));
  },
  async PUT(ctx) {
    const host = await editHost(
      ctx.state.services,
      authOf(ctx),
      ctx.params.hostId,
      await readJson(ctx.req, JsonObject),
      clientOf(ctx),
    );
    return ok({ host });
  },
  async DELETE(ctx) {
    const deleted = await deleteHostConfirmed(
      ctx.state.services,
      authOf(ctx),
      ctx.params.hostId,
      await readJson(ctx.req, JsonObject),
      clientOf(ctx),
    );
    return ok({
      deleted: { keys: deleted.keys, snapshots: deleted.snapshots, signals: deleted.signals },
    });
  },
});
