import { HttpError } from "../fresh/mod.ts";
import type { FreshContext } from "../fresh/mod.ts";
import type { State } from "../state.ts";
import { rotateSession } from "./sessions.ts";
import { appSecretOf } from "./secret.ts";
import type { AuthState, OrgChoice } from "./state.ts";

/**
 * Switches the active organization. A change of privilege context, so the session id rotates.
 * An organization the operator is not in answers 404 (its existence is not revealed).
 */
export async function switchOrg(
  ctx: FreshContext<State>,
  auth: AuthState,
  orgId: string,
): Promise<{ org: OrgChoice; token: string }> {
  const org = auth.orgs.find((o) => o.id === orgId);
  if (!org) throw new HttpError(404, "No such organization.", { details: { field: "orgId" } });
  const { services } = ctx.state;
  const { token } = await rotateSession(services.kv, appSecretOf(services.config), auth.session, {
    activeOrgId: org.id,
  }, {
    idleMinutes: services.config.sessionIdleMinutes,
    maxHours: services.config.sessionMaxHours,
    now: services.clock.now(),
  });
  return { org, token };
}
