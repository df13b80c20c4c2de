/**
 * What the members page offers to whom. Mirrors the server's rules in `lib/orgs/admin.ts` and
 * `lib/orgs/members.ts` so the page never shows a control the server would refuse: only admins
 * and owners manage members; nobody touches or grants a role above their own; the last owner
 * can be neither demoted nor removed, nor leave.
 *
 * @module
 */
import { type Role, roleAtLeast, ROLES } from "../auth/roles.ts";
import type { Member } from "../orgs/members.ts";

/** Roles `actor` may grant: their own and below. */
export function grantableRoles(actor: Role): Role[] {
  return ROLES.filter((r) => roleAtLeast(actor, r));
}

/** How many owners are in a member list. */
export function ownerCount(members: Pick<Member, "role">[]): number {
  return members.filter((m) => m.role === "owner").length;
}

/**
 * The controls for one member row.
 *
 * @example
 * ```ts
 * memberControls("admin", { userId: "u2", role: "owner" }, "u1", 1) // { roleOptions: [], canRemove: false }
 * ```
 */
export function memberControls(
  actorRole: Role,
  member: { userId: string; role: Role },
  actorId: string,
  owners: number,
): { roleOptions: Role[]; canRemove: boolean } {
  const manages = roleAtLeast(actorRole, "admin") && roleAtLeast(actorRole, member.role);
  const lastOwner = member.role === "owner" && owners <= 1;
  if (!manages || lastOwner) return { roleOptions: [], canRemove: false };
  return { roleOptions: grantableRoles(actorRole), canRemove: member.userId !== actorId };
}

/** Why the operator cannot leave, or null when they can. */
export function leaveProblem(role: Role, owners: number): string | null {
  return role === "owner" && owners <= 1
    ? "You are the only owner, so you cannot leave. Make another member an owner first."
    : null;
}
