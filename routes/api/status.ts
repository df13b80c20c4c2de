import { define } from "@/lib/define.ts";
import { fleetSummary } from "@/lib/hosts/fleet.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** The active organization's fleet at a glance: hosts by heartbeat and posture band, signals by severity. */
export const handler = define.handlers({
  async GET(ctx) {
    return ok(await fleetSummary(ctx.state.services, authOf(ctx).org!.id));
  },
});
