/**
 * `memberships`: who belongs to an organization, with which role. Role changes and removals
 * run in a transaction that keeps at least one owner.
 *
 * @module
 */

import { parseRole, type Role } from "../auth/roles.ts";
import { isUniqueViolation, type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { pageLimit, toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { type LedgerDb, lockOrgRow } from "./orgs.ts";

/** A member as listed: the membership plus the user's e-mail and name. */
export interface Member {
  orgId: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
  /** Set when the account is disabled. */
  disabledAt: Date | null;
}

/** Longest page of {@link listMembers}. */
export const MAX_MEMBERS_PAGE = 200;

function checkRole(role: string): Role {
  const parsed = parseRole(role);
  if (parsed === null) {
    throw new HttpError(
      400,
      `role: expected viewer, ops, admin or owner, got ${JSON.stringify(role)}`,
      {
        code: "invalid_role",
        details: { field: "role" },
      },
    );
  }
  return parsed;
}

const memberNotFound = () =>
  new HttpError(404, "No such member in this organization.", { code: "member_not_found" });

/**
 * Adds `userId` to `orgId` with `role`. 409 `already_member` when they belong already.
 *
 * @example
 * ```ts
 * await addMember(ledger, { orgId: org.id, userId: user.id, role: "owner" });
 * ```
 */
export async function addMember(
  ledger: LedgerDb,
  input: { orgId: string; userId: string; role: Role; now?: Date },
): Promise<void> {
  const role = checkRole(input.role);
  try {
    await ledger.db.insertInto("memberships").values({
      org_id: input.orgId,
      user_id: input.userId,
      role,
      created_at: input.now ?? new Date(),
    }).execute();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new HttpError(409, "This user is already a member; change their role instead.", {
        code: "already_member",
      });
    }
    throw error;
  }
}

/**
 * The role of `userId` in `orgId`, or null when they are not a member.
 *
 * @example
 * ```ts
 * const role = await getMembership(ledger, orgId, session.userId);
 * if (role === null) throw new HttpError(404);
 * ```
 */
export async function getMembership(
  ledger: LedgerDb,
  orgId: string,
  userId: string,
): Promise<Role | null> {
  const row = await ledger.db.selectFrom("memberships").select("role")
    .where("org_id", "=", orgId).where("user_id", "=", userId).executeTakeFirst();
  return row?.role ?? null;
}

/**
 * Members of `orgId`, sorted by e-mail. Pass the last member's e-mail as `after` for the next
 * page.
 *
 * @example
 * ```ts
 * const page = await listMembers(ledger, orgId, { limit: 50 });
 * const next = await listMembers(ledger, orgId, { limit: 50, after: page.at(-1)?.email });
 * ```
 */
export async function listMembers(
  ledger: LedgerDb,
  orgId: string,
  options: { limit?: number; after?: string } = {},
): Promise<Member[]> {
  const limit = pageLimit(options.limit, MAX_MEMBERS_PAGE, 100);
  const { after } = options;
  const rows = await ledger.db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select([
      "memberships.org_id",
      "memberships.user_id",
      "memberships.role",
      "memberships.created_at",
      "users.email",
      "users.name",
      "users.disabled_at",
    ])
    .where("memberships.org_id", "=", orgId)
    .$if(after !== undefined, (q) => q.where("users.email", ">", after ?? ""))
    .orderBy("users.email")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    orgId: row.org_id,
    userId: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: toDate(row.created_at),
    disabledAt: row.disabled_at === null ? null : toDate(row.disabled_at),
  }));
}

async function currentRole(tx: LedgerTx, orgId: string, userId: string): Promise<Role> {
  const role = await getMembership(tx, orgId, userId);
  if (role === null) throw memberNotFound();
  return role;
}

async function refuseIfLastOwner(tx: LedgerTx, orgId: string, doing: string): Promise<void> {
  const row = await tx.db.selectFrom("memberships")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("org_id", "=", orgId).where("role", "=", "owner")
    .executeTakeFirstOrThrow();
  if (Number(row.n) <= 1) {
    throw new HttpError(
      409,
      `Cannot ${doing} the last owner of this organization: promote another member to owner first.`,
      { code: "last_owner" },
    );
  }
}

/**
 * Changes a member's role. 404 `member_not_found` for a non-member; 409 `last_owner` when it
 * would leave the organization without an owner (also when owners demote themselves).
 * Returns the previous and new role.
 *
 * @example
 * ```ts
 * await changeRole(ledger, { orgId, userId, role: "admin" });
 * ```
 */
export async function changeRole(
  ledger: LedgerTx,
  input: { orgId: string; userId: string; role: Role },
): Promise<{ previous: Role; role: Role }> {
  const role = checkRole(input.role);
  return await writeTransaction(ledger, async (tx) => {
    await lockOrgRow(tx, input.orgId);
    const previous = await currentRole(tx, input.orgId, input.userId);
    if (previous === role) return { previous, role };
    if (previous === "owner") await refuseIfLastOwner(tx, input.orgId, "demote");
    await tx.db.updateTable("memberships").set({ role })
      .where("org_id", "=", input.orgId).where("user_id", "=", input.userId).execute();
    return { previous, role };
  });
}

/**
 * Removes a member. 404 `member_not_found` for a non-member; 409 `last_owner` for the only
 * owner. Returns the role they had.
 *
 * @example
 * ```ts
 * const { role } = await removeMember(ledger, { orgId, userId });
 * ```
 */
export async function removeMember(
  ledger: LedgerTx,
  input: { orgId: string; userId: string },
): Promise<{ role: Role }> {
  return await writeTransaction(ledger, async (tx) => {
    await lockOrgRow(tx, input.orgId);
    const role = await currentRole(tx, input.orgId, input.userId);
    if (role === "owner") await refuseIfLastOwner(tx, input.orgId, "remove");
    await tx.db.deleteFrom("memberships")
      .where("org_id", "=", input.orgId).where("user_id", "=", input.userId).execute();
    return { role };
  });
}
