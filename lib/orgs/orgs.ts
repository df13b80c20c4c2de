/**
 * `orgs`: organizations, their slugs, and which ones a user belongs to.
 *
 * @module
 */

import { ulid } from "ulid";
import type { Role } from "../auth/roles.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { isUniqueViolation, type LedgerTx } from "../db/ledger/transaction.ts";
import { pageLimit, toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";

/** Anything holding the ledger's query builder (a `Ledger`, or `{ db: trx }`). */
export type LedgerDb = Pick<Ledger, "db">;

/** An organization. */
export interface Org {
  id: string;
  slug: string;
  name: string;
  /** Days audit entries are kept; null means the configured default. */
  auditRetentionDays: number | null;
  createdAt: Date;
}

/** An organization together with the user's role in it. */
export interface OrgWithRole {
  org: Org;
  role: Role;
}

/** Where {@link listOrgsForUser} continues: the last item of the previous page. */
export interface OrgPageCursor {
  name: string;
  id: string;
}

/** Longest organization name. */
export const ORG_NAME_MAX_LENGTH = 100;
/** Longest page of {@link listOrgsForUser}. */
export const MAX_ORGS_PAGE = 200;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/;

/**
 * Checks a slug: 3-40 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`.
 * Returns what is wrong, or null.
 *
 * @example
 * ```ts
 * validateSlug("acme-ops"); // null
 * validateSlug("-acme");    // "must be 3-40 characters of a-z, 0-9 and '-', …"
 * ```
 */
export function validateSlug(slug: string): string | null {
  if (SLUG.test(slug)) return null;
  return `must be 3-40 characters of a-z, 0-9 and '-', not starting or ending with '-' ` +
    `(e.g. "acme-ops"), got ${JSON.stringify(slug.slice(0, 60))}`;
}

/**
 * Creates an organization. 400 for a bad slug or name; 409 `slug_taken` when the slug is used
 * (decided by the unique constraint, so two concurrent creations cannot both win).
 *
 * @example
 * ```ts
 * const org = await createOrg(ledger, { name: "Acme Ops", slug: "acme-ops" });
 * ```
 */
export async function createOrg(
  ledger: LedgerDb,
  input: { name: string; slug: string; now?: Date },
): Promise<Org> {
  const slug = input.slug.trim();
  const slugProblem = validateSlug(slug);
  if (slugProblem) {
    throw new HttpError(400, `slug: ${slugProblem}`, {
      code: "invalid_slug",
      details: { field: "slug" },
    });
  }
  const name = input.name.trim();
  if (name.length < 1 || name.length > ORG_NAME_MAX_LENGTH) {
    throw new HttpError(400, `name: expected 1-${ORG_NAME_MAX_LENGTH} characters`, {
      code: "invalid_name",
      details: { field: "name" },
    });
  }
  const createdAt = input.now ?? new Date();
  const org: Org = {
    id: ulid(createdAt.getTime()),
    slug,
    name,
    auditRetentionDays: null,
    createdAt,
  };
  try {
    await ledger.db.insertInto("orgs").values({
      id: org.id,
      slug,
      name,
      audit_retention_days: null,
      created_at: createdAt,
    }).execute();
  } catch (error) {
    if (isUniqueViolation(error, "slug")) {
      throw new HttpError(
        409,
        `slug: "${slug}" is already used by another organization; pick another`,
        {
          code: "slug_taken",
          details: { field: "slug" },
        },
      );
    }
    throw error;
  }
  return org;
}

type OrgRow = {
  id: string;
  slug: string;
  name: string;
  audit_retention_days: number | null;
  created_at: Date | string;
};

function toOrg(row: OrgRow): Org {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    auditRetentionDays: row.audit_retention_days,
    createdAt: toDate(row.created_at),
  };
}

/**
 * The organization with id `id`, or null.
 *
 * @example
 * ```ts
 * const org = await getOrg(ledger, session.activeOrgId);
 * ```
 */
export async function getOrg(ledger: LedgerDb, id: string): Promise<Org | null> {
  const row = await ledger.db.selectFrom("orgs").selectAll().where("id", "=", id)
    .executeTakeFirst();
  return row ? toOrg(row) : null;
}

/**
 * The organization with slug `slug`, or null.
 *
 * @example
 * ```ts
 * const org = await getOrgBySlug(ledger, "acme-ops");
 * ```
 */
export async function getOrgBySlug(ledger: LedgerDb, slug: string): Promise<Org | null> {
  const row = await ledger.db.selectFrom("orgs").selectAll().where("slug", "=", slug.trim())
    .executeTakeFirst();
  return row ? toOrg(row) : null;
}

/**
 * The organizations `userId` belongs to, with the role in each, sorted by name (then id).
 * Pass the last item as `after` for the next page.
 *
 * @example
 * ```ts
 * for (const { org, role } of await listOrgsForUser(ledger, user.id)) console.log(org.name, role);
 * ```
 */
export async function listOrgsForUser(
  ledger: LedgerDb,
  userId: string,
  options: { limit?: number; after?: OrgPageCursor } = {},
): Promise<OrgWithRole[]> {
  const limit = pageLimit(options.limit, MAX_ORGS_PAGE, 100);
  const { after } = options;
  let query = ledger.db
    .selectFrom("memberships")
    .innerJoin("orgs", "orgs.id", "memberships.org_id")
    .select([
      "orgs.id",
      "orgs.slug",
      "orgs.name",
      "orgs.audit_retention_days",
      "orgs.created_at",
      "memberships.role",
    ])
    .where("memberships.user_id", "=", userId);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb("orgs.name", ">", after.name),
        eb.and([eb("orgs.name", "=", after.name), eb("orgs.id", ">", after.id)]),
      ])
    );
  }
  const rows = await query
    .orderBy("orgs.name")
    .orderBy("orgs.id")
    .limit(limit)
    .execute();
  return rows.map((row) => ({ org: toOrg(row), role: row.role }));
}

/**
 * How many organizations exist.
 *
 * @example
 * ```ts
 * if (await countOrgs(ledger) === 0) console.log("fresh install");
 * ```
 */
export async function countOrgs(ledger: LedgerDb): Promise<number> {
  const row = await ledger.db.selectFrom("orgs")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Sets how many days the organization's audit entries are kept (null: the configured default).
 * 404 when the organization does not exist.
 *
 * @example
 * ```ts
 * await setOrgAuditRetention(ledger, org.id, 730);
 * ```
 */
export async function setOrgAuditRetention(
  ledger: LedgerDb,
  orgId: string,
  days: number | null,
): Promise<void> {
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > 36_500)) {
    throw new HttpError(
      400,
      `auditRetentionDays: expected an integer 1-36500 or null, got ${days}`,
      {
        code: "invalid_retention",
        details: { field: "auditRetentionDays" },
      },
    );
  }
  const result = await ledger.db.updateTable("orgs").set({ audit_retention_days: days })
    .where("id", "=", orgId).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new HttpError(404, "No such organization.");
}

/**
 * Inside a transaction, locks the organization's row on Postgres (`select … for update`), so
 * concurrent membership or invitation changes in one organization run one after the other and
 * each sees the other's result. SQLite write transactions are serialized already.
 *
 * @example
 * ```ts
 * await writeTransaction(ledger, async (tx) => {
 *   await lockOrgRow(tx, orgId);
 *   // … count owners, then update …
 * });
 * ```
 */
export async function lockOrgRow(tx: LedgerTx, orgId: string): Promise<void> {
  if (tx.dialect !== "postgres") return;
  await tx.db.selectFrom("orgs").select("id").where("id", "=", orgId).forUpdate().execute();
}
