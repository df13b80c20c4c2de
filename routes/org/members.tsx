import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, page, type PageProps, type PageResponse } from "@/lib/fresh/mod.ts";
import { Email, RoleField } from "@/lib/auth/inputs.ts";
import { type Role, roleAtLeast } from "@/lib/auth/roles.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { listMembers, MAX_MEMBERS_PAGE, type Member } from "@/lib/orgs/members.ts";
import { listInvitations } from "@/lib/orgs/invitations.ts";
import {
  changeMemberRole,
  inviteMember,
  removeOrgMember,
  revokeMemberInvitation,
} from "@/lib/orgs/admin.ts";
import {
  type FieldErrors,
  flashOf,
  type FormProblem,
  formProblem,
  parseValues,
  runIntent,
} from "@/lib/ui/forms.ts";
import { grantableRoles, leaveProblem, memberControls, ownerCount } from "@/lib/ui/members.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { Field, Hidden, SelectField } from "@/components/Field.tsx";
import { Messages, Notice } from "@/components/Notice.tsx";
import {
  type InvitationRow,
  InvitationsTable,
  type MemberRow,
  MembersTable,
} from "@/components/MembersTable.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const FLASH = {
  invited: "Invitation sent.",
  /** The address had a pending invitation: the new one replaced it. */
  reinvited: "Invitation sent again; the earlier link no longer works.",
  /** Likewise without e-mail: the page shows the new link to pass on. */
  relinked: "New invitation link created; the earlier link no longer works.",
  role: "Role changed.",
  removed: "Member removed.",
  revoked: "Invitation revoked.",
};

/** Members listed at most (one organization rarely comes near it). */
const MEMBERS_SHOWN = 5 * MAX_MEMBERS_PAGE;

interface Data {
  orgName: string;
  myRole: Role;
  /** Admins and owners manage members; viewers and ops read. */
  manage: boolean;
  members: MemberRow[];
  truncated: boolean;
  invitations: InvitationRow[];
  inviteRoles: Role[];
  invite: { values: Record<string, string>; errors: FieldErrors };
  /** Shown once when e-mail is not configured: the admin passes the link on. */
  createdLink?: { email: string; link: string; expiresAt: string };
  leaveBlocked: string | null;
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

async function allMembers(ctx: Ctx, orgId: string): Promise<Member[]> {
  const out: Member[] = [];
  while (out.length < MEMBERS_SHOWN) {
    const batch = await listMembers(ctx.state.services.ledger, orgId, {
      limit: MAX_MEMBERS_PAGE,
      after: out.at(-1)?.email,
    });
    out.push(...batch);
    if (batch.length < MAX_MEMBERS_PAGE) break;
  }
  return out;
}

async function render(
  ctx: Ctx,
  extra: Partial<Pick<Data, "flash" | "createdLink" | "invite">> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const org = auth.org!;
  const { services } = ctx.state;
  ctx.state.title = "Members";
  const members = await allMembers(ctx, org.id);
  const owners = ownerCount(members);
  const manage = roleAtLeast(org.role, "admin");
  const invitations = manage
    ? await listInvitations(services.ledger, org.id, {
      pendingOnly: true,
      now: services.clock.now(),
    })
    : [];
  return page<Data>({
    orgName: org.name,
    myRole: org.role,
    manage,
    members: members.map((m) => ({
      userId: m.userId,
      name: m.name,
      email: m.email,
      role: m.role,
      joined: m.createdAt.toISOString(),
      self: m.userId === auth.user.id,
      disabled: m.disabledAt !== null,
      ...memberControls(org.role, m, auth.user.id, owners),
    })),
    truncated: members.length >= MEMBERS_SHOWN,
    invitations: invitations.map((i) => ({
      id: i.id,
      email: i.email,
      role: i.role,
      expiresAt: i.expiresAt.toISOString(),
    })),
    inviteRoles: grantableRoles(org.role),
    invite: extra.invite ?? { values: {}, errors: {} },
    createdLink: extra.createdLink,
    leaveBlocked: leaveProblem(org.role, owners),
    flash: extra.flash,
    message: problem?.message ??
      (problem && !extra.invite ? Object.values(problem.errors)[0] : undefined),
  }, { status: problem?.status ?? 200, headers: problem?.headers });
}

const IdField = z.string().min(1).max(64);

/** The admin forms, told apart by `intent`. The route policy already requires admin for POST. */
const INTENTS: Record<
  string,
  (ctx: Ctx, values: Record<string, string>) => Promise<Response | PageResponse<Data>>
> = {
  async invite(ctx, values) {
    const parsed = parseValues(z.object({ email: Email, role: RoleField }), values);
    const invite = (errors: FieldErrors) => ({
      values: { email: values.email ?? "", role: values.role ?? "" },
      errors,
    });
    if (!parsed.ok) return render(ctx, { invite: invite(parsed.problem.errors) }, parsed.problem);
    try {
      const { services } = ctx.state;
      const created = await inviteMember(services, authOf(ctx), parsed.data, clientOf(ctx));
      // Inviting the address again withdraws its pending invitation: say so.
      const { replaced } = created;
      const done = replaced ? "reinvited" : "invited";
      if (created.mailed) return seeOther(ctx, `/org/members?done=${done}`);
      const createdLink = {
        email: parsed.data.email,
        link: created.link,
        expiresAt: created.expiresAt.toISOString(),
      };
      return render(ctx, { createdLink, flash: replaced ? FLASH.relinked : undefined });
    } catch (error) {
      const problem = formProblem(error);
      return render(ctx, { invite: invite(problem.errors) }, problem);
    }
  },
  async role(ctx, values) {
    const parsed = parseValues(z.object({ userId: IdField, role: RoleField }), values);
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    try {
      await changeMemberRole(ctx.state.services, authOf(ctx), parsed.data, clientOf(ctx));
    } catch (error) {
      return render(ctx, {}, formProblem(error));
    }
    return seeOther(ctx, "/org/members?done=role");
  },
  async remove(ctx, values) {
    const parsed = parseValues(z.object({ userId: IdField }), values);
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    if (parsed.data.userId === authOf(ctx).user.id) {
      return render(ctx, {}, {
        status: 400,
        errors: {},
        message: "Use “Leave organization” to remove yourself.",
      });
    }
    try {
      await removeOrgMember(ctx.state.services, authOf(ctx), parsed.data.userId, clientOf(ctx));
    } catch (error) {
      return render(ctx, {}, formProblem(error));
    }
    return seeOther(ctx, "/org/members?done=removed");
  },
  async revoke(ctx, values) {
    const parsed = parseValues(z.object({ invitationId: IdField }), values);
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    try {
      await revokeMemberInvitation(
        ctx.state.services,
        authOf(ctx),
        parsed.data.invitationId,
        clientOf(ctx),
      );
    } catch (error) {
      return render(ctx, {}, formProblem(error));
    }
    return seeOther(ctx, "/org/members?done=revoked");
  },
};

export const handler = define.handlers({
  GET(ctx) {
    return render(ctx, { flash: flashOf(ctx.url, FLASH) });
  },
  POST: (ctx) => runIntent(ctx, ctx.req, INTENTS),
});

export default define.page(({ data }: PageProps<Data, State>) => (
  <>
    <header class="page-header">
      <h1>Members</h1>
      <p class="muted">
        {data.orgName} · you are {data.myRole}
        {data.manage && (
          <>
            {" · "}
            <a href="/org/settings" id="org-settings-link">Organization settings</a>
          </>
        )}
      </p>
    </header>
    <Messages flash={data.flash} message={data.message} />
    {data.createdLink && (
      <Notice kind="info">
        <p>
          E-mail is not configured, so no mail was sent. Send this link to {data.createdLink.email}
          {" "}
          yourself. It is shown only now and works once, until{" "}
          {data.createdLink.expiresAt.replace("T", " ").slice(0, 16)} UTC:
        </p>
        <p>
          <code class="secret" id="invitation-link">{data.createdLink.link}</code>
        </p>
      </Notice>
    )}
    <section class="card" aria-labelledby="members-title">
      <h2 id="members-title">People</h2>
      {!data.manage && <p class="muted">Only admins and owners change members.</p>}
      <MembersTable members={data.members} controls={data.manage} />
      {data.truncated && <p class="muted">Only the first {MEMBERS_SHOWN} members are shown.</p>}
    </section>
    {data.manage && (
      <div class="cards">
        <section class="card" aria-labelledby="invite-title">
          <h2 id="invite-title">Invite someone</h2>
          <form method="post" class="form">
            <Hidden name="intent" value="invite" />
            <Field
              name="email"
              label="E-mail"
              type="email"
              value={data.invite.values.email}
              error={data.invite.errors.email}
              autocomplete="off"
              required
            />
            <SelectField
              name="role"
              label="Role"
              value={data.invite.values.role || "viewer"}
              error={data.invite.errors.role}
              options={data.inviteRoles.map((r) => [r, r])}
              hint="You can grant your own role or lower."
            />
            <SubmitButton class="button-primary" label="Send invitation" pendingLabel="Sending…" />
          </form>
        </section>
        <section class="card" aria-labelledby="invitations-title">
          <h2 id="invitations-title">Pending invitations</h2>
          <InvitationsTable invitations={data.invitations} />
        </section>
      </div>
    )}
    <section class="card" aria-labelledby="leave-title">
      <h2 id="leave-title">Leave {data.orgName}</h2>
      {data.leaveBlocked
        ? <p>{data.leaveBlocked}</p>
        : (
          <form method="post" action="/org/leave" class="form-inline">
            <p>You lose access to this organization until someone invites you again.</p>
            <SubmitButton
              class="button-danger"
              label="Leave organization"
              pendingLabel="Leaving…"
            />
          </form>
        )}
    </section>
  </>
));
