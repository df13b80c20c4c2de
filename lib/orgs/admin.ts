/**
 * Organization administration as operators do it: invite, change roles, remove,
 * accept. Enforces who may grant what (no one grants above their own role;
 * only owners touch owners) on top of the repositories' last-owner rule, and
 * writes the audit entry for each change.
 */
import { HttpError } from "../fresh/mod.ts";
import type { Services } from "../services.ts";
import { actingOperator, auditForClient, auditOperatorChange } from "../auth/request_audit.ts";
import { type Role, roleAtLeast } from "../auth/roles.ts";
import type { AuthState } from "../auth/state.ts";
import type { ClientInfo } from "../auth/signin.ts";
import { invitationMail } from "../mail/templates.ts";
import { changeRole, getMembership, removeMember } from "./members.ts";
import {
  acceptInvitation,
  createInvitation,
  getInvitationByToken,
  revokeInvitation,
} from "./invitations.ts";
import { getUser } from "./users.ts";
import { getOrg } from "./orgs.ts";

export const INVITATION_TTL_HOURS = 72;

/** No one grants a role above their own; only owners grant or take away ownership. */
function assertMayGrant(actorRole: Role, role: Role, what: string): void {
  if (!roleAtLeast(actorRole, role)) {
    throw new HttpError(403, `${what}: you are ${actorRole} and cannot grant ${role}.`, {
      code: "forbidden",
      details: { field: "role" },
    });
  }
}

/**
 * Invites an e-mail address to the active organization. Without SMTP the invitation still
 * exists and the link is returned for the admin to pass on.
 */
export async function inviteMember(
  services: Services,
  auth: AuthState,
  input: { email: string; role: Role },
  client: ClientInfo,
): Promise<
  { invitationId: string; link: string; mailed: boolean; expiresAt: Date; replaced: boolean }
> {
  const { user, org } = actingOperator(auth);
  assertMayGrant(org.role, input.role, "role");
  const now = services.clock.now();
  const { invitation, token, replaced } = await createInvitation(services.ledger, {
    orgId: org.id,
    email: input.email,
    role: input.role,
    invitedBy: user.id,
    ttlMs: INVITATION_TTL_HOURS * 3600_000,
    now,
  });
  const link = new URL(`/invite?token=${token}`, services.config.appUrl).href;
  let mailed = false;
  if (services.mailer.configured) {
    await services.mailer.send({
      to: input.email,
      ...invitationMail({
        link,
        orgName: org.name,
        role: input.role,
        invitedBy: user.email,
        expiresHours: INVITATION_TTL_HOURS,
      }),
    });
    mailed = true;
  }
  await auditOperatorChange(services, client, auth, {
    action: "org.invitation.create",
    summary: `${user.email} invited ${input.email} as ${input.role}${
      mailed ? "" : " (link shown, e-mail not configured)"
    }`,
    target: { type: "invitation", id: invitation.id },
    details: { email: input.email, role: input.role, mailed },
  });
  return {
    invitationId: invitation.id,
    link,
    mailed,
    expiresAt: invitation.expiresAt,
    // A pending invitation of the same address was withdrawn: its link no longer works.
    replaced,
  };
}

/** Revokes a pending invitation of the active organization (another org's id: 404). */
export async function revokeMemberInvitation(
  services: Services,
  auth: AuthState,
  invitationId: string,
  client: ClientInfo,
): Promise<void> {
  const { org } = actingOperator(auth);
  await revokeInvitation(services.ledger, org.id, invitationId);
  await auditOperatorChange(services, client, auth, {
    action: "org.invitation.revoke",
    summary: `invitation ${invitationId} revoked`,
    target: { type: "invitation", id: invitationId },
  });
}

/** The member's current role in the active organization, or 404 (never another org's data). */
async function memberRoleOr404(services: Services, orgId: string, userId: string): Promise<Role> {
  const role = await getMembership(services.ledger, orgId, userId);
  if (!role) {
    throw new HttpError(404, "No such member in this organization.", { code: "not_found" });
  }
  return role;
}

/** Changes a member's role; the repository refuses to demote the last owner. */
export async function changeMemberRole(
  services: Services,
  auth: AuthState,
  input: { userId: string; role: Role },
  client: ClientInfo,
): Promise<{ from: Role; to: Role }> {
  const { org } = actingOperator(auth);
  const from = await memberRoleOr404(services, org.id, input.userId);
  assertMayGrant(org.role, from, "member");
  assertMayGrant(org.role, input.role, "role");
  await changeRole(services.ledger, { orgId: org.id, userId: input.userId, role: input.role });
  const target = await getUser(services.ledger, input.userId);
  await auditOperatorChange(services, client, auth, {
    action: "org.member.role_change",
    summary: `${target?.email ?? input.userId}: ${from} → ${input.role}`,
    target: { type: "user", id: input.userId },
    details: { from, to: input.role },
  });
  return { from, to: input.role };
}

/** Removes a member (or lets a member leave); the repository refuses to remove the last owner. */
export async function removeOrgMember(
  services: Services,
  auth: AuthState,
  userId: string,
  client: ClientInfo,
): Promise<void> {
  const { user, org } = actingOperator(auth);
  const role = await memberRoleOr404(services, org.id, userId);
  if (userId !== user.id) {
    if (!roleAtLeast(org.role, "admin")) {
      throw new HttpError(403, "Only admins and owners remove members.");
    }
    assertMayGrant(org.role, role, "member");
  }
  await removeMember(services.ledger, { orgId: org.id, userId });
  const target = await getUser(services.ledger, userId);
  await auditOperatorChange(services, client, auth, {
    action: userId === user.id ? "org.member.leave" : "org.member.remove",
    summary: `${target?.email ?? userId} (${role}) ${userId === user.id ? "left" : "removed"}`,
    target: { type: "user", id: userId },
    details: { role },
  });
}

/** Explains a bad invitation token in words an invitee understands. */
export function invitationProblem(reason: string): HttpError {
  const texts: Record<string, [number, string]> = {
    unknown: [404, "This invitation link is not valid. Ask for a new invitation."],
    expired: [410, "This invitation has expired. Ask for a new invitation."],
    used: [410, "This invitation was already accepted."],
    revoked: [410, "This invitation was withdrawn. Ask for a new invitation."],
  };
  const [status, message] = texts[reason] ?? texts.unknown;
  return new HttpError(status, message, { code: `invitation_${reason}` });
}

/**
 * Accepts an invitation for a signed-in user whose e-mail it was sent to (a forwarded link
 * does not let another account in).
 */
export async function acceptMemberInvitation(
  services: Services,
  user: { id: string; email: string },
  token: string,
  client: ClientInfo,
): Promise<{ orgId: string; role: Role }> {
  const now = services.clock.now();
  const found = await getInvitationByToken(services.ledger, token, now);
  if ("reason" in found) throw invitationProblem(found.reason);
  if (found.invitation.email !== user.email) {
    throw new HttpError(
      403,
      `This invitation is for ${found.invitation.email}; sign in with that address.`,
      {
        code: "invitation_other_email",
      },
    );
  }
  const accepted = await acceptInvitation(services.ledger, { token, userId: user.id, now });
  const org = await getOrg(services.ledger, accepted.orgId);
  await auditForClient(services, client, {
    orgId: accepted.orgId,
    actor: { type: "user", id: user.id, label: user.email },
    action: "org.invitation.accept",
    target: { type: "user", id: user.id },
    summary: `${user.email} joined ${org?.name ?? accepted.orgId} as ${accepted.role}`,
    details: { role: accepted.role, invitationId: found.invitation.id },
  });
  return accepted;
}
