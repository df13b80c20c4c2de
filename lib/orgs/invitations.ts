/**
 * `invitations`: e-mail invitations to join an organization with a role, by a single-use link
 * token that expires. Only the token's SHA-256 is stored; the token itself exists only in the
 * link that is mailed.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { ulid } from "ulid";
import { parseRole, type Role, roleAtLeast } from "../auth/roles.ts";
import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { pageLimit, toDate, toDateOrNull } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { type LedgerDb, lockOrgRow } from "./orgs.ts";
import { normalizeEmail, validateEmail } from "./users.ts";

/** Where an invitation stands at a given time. */
export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

/** A stored invitation (never its token). */
export interface Invitation {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  acceptedBy: string | null;
  revokedAt: Date | null;
  /** At the `now` the invitation was read with. */
  status: InvitationStatus;
}

/** Why a token cannot be used. */
export type InvitationTokenProblem = "unknown" | "expired" | "used" | "revoked";

/** What {@link getInvitationByToken} finds. */
export type InvitationLookup =
  | { ok: true; invitation: Invitation & { orgName: string; orgSlug: string } }
  | { ok: false; reason: InvitationTokenProblem };

/** Longest invitation lifetime. */
export const MAX_INVITATION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Longest page of {@link listInvitations}. */
export const MAX_INVITATIONS_PAGE = 200;

/** A token as we issue it: 32 bytes, base64url without padding. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

type InvitationRow = {
  id: string;
  org_id: string;
  email: string;
  role: Role;
  invited_by: string;
  created_at: Date | string;
  expires_at: Date | string;
  accepted_at: Date | string | null;
  accepted_by: string | null;
  revoked_at: Date | string | null;
};

function statusOf(row: InvitationRow, now: Date): InvitationStatus {
  if (row.accepted_at !== null) return "accepted";
  if (row.revoked_at !== null) return "revoked";
  return toDate(row.expires_at).getTime() <= now.getTime() ? "expired" : "pending";
}

function toInvitation(row: InvitationRow, now: Date): Invitation {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role,
    invitedBy: row.invited_by,
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    acceptedAt: toDateOrNull(row.accepted_at),
    acceptedBy: row.accepted_by,
    revokedAt: toDateOrNull(row.revoked_at),
    status: statusOf(row, now),
  };
}

const INVITATION_COLUMNS = [
  "id",
  "org_id",
  "email",
  "role",
  "invited_by",
  "created_at",
  "expires_at",
  "accepted_at",
  "accepted_by",
  "revoked_at",
] as const;

/**
 * Creates an invitation and returns it with its token (put the token in the mailed link; it
 * is not stored). A pending invitation for the same organization and e-mail is revoked first,
 * so only the newest link works; `replaced` says whether there was one (the earlier link no
 * longer works). 409 `already_member` (field `email`) when that address already belongs to the
 * organization.
 *
 * @example
 * ```ts
 * const { invitation, token } = await createInvitation(ledger, {
 *   orgId, email: "new@example.com", role: "ops", invitedBy: user.id,
 *   ttlMs: 7 * 24 * 3600_000, now: clock.now(),
 * });
 * const link = new URL(`/invite?token=${token}`, config.appUrl).href;
 * ```
 */
export async function createInvitation(
  ledger: LedgerTx,
  input: { orgId: string; email: string; role: Role; invitedBy: string; ttlMs: number; now: Date },
): Promise<{ invitation: Invitation; token: string; replaced: boolean }> {
  const email = normalizeEmail(input.email);
  const emailProblem = validateEmail(email);
  if (emailProblem) {
    throw new HttpError(400, `email: ${emailProblem}`, {
      code: "invalid_email",
      details: { field: "email" },
    });
  }
  const role = parseRole(input.role);
  if (role === null) {
    throw new HttpError(
      400,
      `role: expected viewer, ops, admin or owner, got ${JSON.stringify(input.role)}`,
      {
        code: "invalid_role",
        details: { field: "role" },
      },
    );
  }
  if (
    !Number.isInteger(input.ttlMs) || input.ttlMs < 60_000 || input.ttlMs > MAX_INVITATION_TTL_MS
  ) {
    throw new RangeError(`ttlMs must be 1 minute to 30 days in ms, got ${input.ttlMs}`);
  }
  const { now } = input;
  const token = Buffer.from(randomBytes(32)).toString("base64url");
  const expiresAt = new Date(now.getTime() + input.ttlMs);
  const row: InvitationRow = {
    id: ulid(now.getTime()),
    org_id: input.orgId,
    email,
    role,
    invited_by: input.invitedBy,
    created_at: now,
    expires_at: expiresAt,
    accepted_at: null,
    accepted_by: null,
    revoked_at: null,
  };
  const replaced = await writeTransaction(ledger, async (tx) => {
    await lockOrgRow(tx, input.orgId);
    // Someone who already belongs needs no invitation (a role change is a different action).
    const member = await tx.db.selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select("memberships.role")
      .where("memberships.org_id", "=", input.orgId).where("users.email", "=", email)
      .executeTakeFirst();
    if (member) {
      throw new HttpError(409, `email: ${email} is already a member (${member.role})`, {
        code: "already_member",
        details: { field: "email" },
      });
    }
    const revoked = await tx.db.updateTable("invitations").set({ revoked_at: now })
      .where("org_id", "=", input.orgId).where("email", "=", email)
      .where("accepted_at", "is", null).where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    await tx.db.insertInto("invitations").values({
      id: row.id,
      org_id: row.org_id,
      email,
      role,
      token_hash: hashToken(token),
      invited_by: row.invited_by,
      created_at: now,
      expires_at: expiresAt,
    }).execute();
    return Number(revoked.numUpdatedRows) > 0;
  });
  return { invitation: toInvitation(row, now), token, replaced };
}

/**
 * Invitations of `orgId`, newest first. `pendingOnly` leaves out accepted, revoked and expired
 * ones (as of `now`). Pass the last invitation's id as `before` for the next page.
 *
 * @example
 * ```ts
 * const pending = await listInvitations(ledger, orgId, { pendingOnly: true, now: clock.now() });
 * ```
 */
export async function listInvitations(
  ledger: LedgerDb,
  orgId: string,
  options: { pendingOnly?: boolean; now?: Date; limit?: number; before?: string } = {},
): Promise<Invitation[]> {
  const limit = pageLimit(options.limit, MAX_INVITATIONS_PAGE, 100);
  const now = options.now ?? new Date();
  const { before } = options;
  // Ids are ULIDs; anything else could never have been a page's last id.
  if (before !== undefined && !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(before)) {
    throw new HttpError(400, "before: not a valid cursor", {
      code: "invalid_input",
      details: { field: "before" },
    });
  }
  const rows = await ledger.db.selectFrom("invitations").select(INVITATION_COLUMNS)
    .where("org_id", "=", orgId)
    .$if(
      options.pendingOnly === true,
      (q) =>
        q.where("accepted_at", "is", null).where("revoked_at", "is", null)
          .where("expires_at", ">", now),
    )
    .$if(before !== undefined, (q) => q.where("id", "<", before ?? ""))
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => toInvitation(row, now));
}

/**
 * Revokes invitation `id` of `orgId` (idempotent). 404 when `orgId` has no such invitation
 * (an id from another organization included); 409 `invitation_used` when already accepted.
 *
 * @example
 * ```ts
 * await revokeInvitation(ledger, orgId, invitationId, clock.now());
 * ```
 */
export async function revokeInvitation(
  ledger: LedgerDb,
  orgId: string,
  id: string,
  now: Date = new Date(),
): Promise<Invitation> {
  const row = await ledger.db.selectFrom("invitations").select(INVITATION_COLUMNS)
    .where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  if (!row) throw new HttpError(404, "No such invitation.", { code: "invitation_unknown" });
  if (row.accepted_at !== null) {
    throw new HttpError(409, "This invitation was already accepted; remove the member instead.", {
      code: "invitation_used",
    });
  }
  if (row.revoked_at === null) {
    await ledger.db.updateTable("invitations").set({ revoked_at: now })
      .where("org_id", "=", orgId).where("id", "=", id)
      .where("accepted_at", "is", null).where("revoked_at", "is", null)
      .execute();
  }
  const updated = await ledger.db.selectFrom("invitations").select(INVITATION_COLUMNS)
    .where("org_id", "=", orgId).where("id", "=", id).executeTakeFirstOrThrow();
  return toInvitation(updated, now);
}

/**
 * Looks up the invitation of a link token, with its organization's name and slug, or says why
 * the token cannot be used.
 *
 * @example
 * ```ts
 * const found = await getInvitationByToken(ledger, token, clock.now());
 * if (!found.ok) return renderInvalidInvite(found.reason); // "expired", …
 * ```
 */
export async function getInvitationByToken(
  ledger: LedgerDb,
  token: string,
  now: Date,
): Promise<InvitationLookup> {
  if (!TOKEN_SHAPE.test(token)) return { ok: false, reason: "unknown" };
  const row = await ledger.db.selectFrom("invitations")
    .innerJoin("orgs", "orgs.id", "invitations.org_id")
    .select(INVITATION_COLUMNS.map((c) => `invitations.${c}` as const))
    .select(["orgs.name as org_name", "orgs.slug as org_slug"])
    .where("invitations.token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row) return { ok: false, reason: "unknown" };
  const invitation = toInvitation(row, now);
  const problem = problemOf(invitation.status);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, invitation: { ...invitation, orgName: row.org_name, orgSlug: row.org_slug } };
}

function problemOf(status: InvitationStatus): InvitationTokenProblem | null {
  return status === "accepted" ? "used" : status === "pending" ? null : status;
}

const TOKEN_ERRORS: Record<InvitationTokenProblem, HttpError> = {
  unknown: new HttpError(404, "This invitation link is not valid; ask for a new invitation.", {
    code: "invitation_unknown",
  }),
  used: new HttpError(410, "This invitation was already used; sign in instead.", {
    code: "invitation_used",
  }),
  expired: new HttpError(410, "This invitation has expired; ask an admin to invite you again.", {
    code: "invitation_expired",
  }),
  revoked: new HttpError(410, "This invitation was withdrawn; ask an admin to invite you again.", {
    code: "invitation_revoked",
  }),
};

function tokenError(problem: InvitationTokenProblem): HttpError {
  const template = TOKEN_ERRORS[problem];
  return new HttpError(template.status, template.message, { code: template.code });
}

/**
 * Accepts an invitation for `userId`, in one transaction: the invitation is marked accepted
 * only if it is still pending and unexpired (a conditional update, so of two concurrent
 * accepts exactly one succeeds), and the membership is added — or, when the user is already a
 * member, kept at the higher of the two roles. 404 `invitation_unknown`, 410
 * `invitation_used` / `invitation_expired` / `invitation_revoked`.
 *
 * @example
 * ```ts
 * const { orgId, role } = await acceptInvitation(ledger, { token, userId: user.id, now });
 * ```
 */
export async function acceptInvitation(
  ledger: LedgerTx,
  input: { token: string; userId: string; now: Date },
): Promise<{ orgId: string; role: Role; email: string; invitationId: string }> {
  if (!TOKEN_SHAPE.test(input.token)) throw tokenError("unknown");
  const tokenHash = hashToken(input.token);
  const { now, userId } = input;
  return await writeTransaction(ledger, async (tx) => {
    const accepted = await tx.db.updateTable("invitations")
      .set({ accepted_at: now, accepted_by: userId })
      .where("token_hash", "=", tokenHash)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .returning(["id", "org_id", "role", "email"])
      .executeTakeFirst();
    if (!accepted) {
      const row = await tx.db.selectFrom("invitations").select(INVITATION_COLUMNS)
        .where("token_hash", "=", tokenHash).executeTakeFirst();
      throw tokenError(row ? problemOf(statusOf(row, now)) ?? "used" : "unknown");
    }
    const existing = await tx.db.selectFrom("memberships").select("role")
      .where("org_id", "=", accepted.org_id).where("user_id", "=", userId).executeTakeFirst();
    let role: Role = accepted.role;
    if (!existing) {
      await tx.db.insertInto("memberships")
        .values({ org_id: accepted.org_id, user_id: userId, role, created_at: now }).execute();
    } else if (roleAtLeast(existing.role, role)) {
      role = existing.role;
    } else {
      await tx.db.updateTable("memberships").set({ role })
        .where("org_id", "=", accepted.org_id).where("user_id", "=", userId).execute();
    }
    return { orgId: accepted.org_id, role, email: accepted.email, invitationId: accepted.id };
  });
}
