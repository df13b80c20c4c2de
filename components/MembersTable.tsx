import type { Role } from "@/lib/auth/roles.ts";
import { Hidden } from "./Field.tsx";
import { IntentButton } from "./IntentButton.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

/** A member row with what the viewing operator may do to it (decided by the page's handler). */
export interface MemberRow {
  userId: string;
  name: string;
  email: string;
  role: Role;
  joined: string;
  self: boolean;
  disabled: boolean;
  /** Roles the viewer may set on this member; empty means no role control. */
  roleOptions: Role[];
  canRemove: boolean;
}

/** A pending invitation row. */
export interface InvitationRow {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
}

const day = (iso: string) => iso.slice(0, 10);

function RoleForm(props: { member: MemberRow }) {
  const { member } = props;
  const id = `role-${member.userId}`;
  return (
    <form method="post" class="form-inline">
      <Hidden name="intent" value="role" />
      <Hidden name="userId" value={member.userId} />
      <label for={id} class="visually-hidden">Role of {member.email}</label>
      <select id={id} name="role">
        {member.roleOptions.map((role) => (
          <option key={role} value={role} selected={role === member.role}>{role}</option>
        ))}
      </select>
      <SubmitButton
        label="Save"
        pendingLabel="Saving…"
        ariaLabel={`Save role of ${member.email}`}
      />
    </form>
  );
}

/** Members; role selects and Remove buttons only where the server would allow them. */
export function MembersTable(props: { members: MemberRow[]; controls: boolean }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Members table">
      <table class="members">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">E-mail</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
            {props.controls && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.members.map((m) => (
            <tr key={m.userId} data-member={m.email}>
              <td>
                {m.name}
                {m.self && <span class="role-tag">you</span>}
                {m.disabled && <span class="role-tag">disabled</span>}
              </td>
              <td>{m.email}</td>
              <td>{m.roleOptions.length > 0 ? <RoleForm member={m} /> : m.role}</td>
              <td>
                <time dateTime={m.joined} title={m.joined}>{day(m.joined)}</time>
              </td>
              {props.controls && (
                <td>
                  {m.canRemove && (
                    <IntentButton
                      intent="remove"
                      fields={{ userId: m.userId }}
                      label="Remove"
                      danger
                      ariaLabel={`Remove ${m.email}`}
                      confirm={`Remove ${m.email} from the organization? They lose access at once.`}
                    />
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Pending invitations, each with Revoke. */
export function InvitationsTable(props: { invitations: InvitationRow[] }) {
  if (props.invitations.length === 0) return <p class="muted">No pending invitations.</p>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Invitations table">
      <table class="invitations">
        <thead>
          <tr>
            <th scope="col">E-mail</th>
            <th scope="col">Role</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.invitations.map((inv) => (
            <tr key={inv.id} data-invitation={inv.email}>
              <td>{inv.email}</td>
              <td>{inv.role}</td>
              <td>
                <time dateTime={inv.expiresAt} title={inv.expiresAt}>
                  {inv.expiresAt.replace("T", " ").slice(0, 16)} UTC
                </time>
              </td>
              <td>
                <IntentButton
                  intent="revoke"
                  fields={{ invitationId: inv.id }}
                  label="Revoke"
                  ariaLabel={`Revoke the invitation of ${inv.email}`}
                  confirm={`Revoke the invitation of ${inv.email}? Its link stops working.`}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
