/** Small builders for organizations, users and members in ledger tests. */
import type { Role } from "@/lib/auth/roles.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { addMember } from "@/lib/orgs/members.ts";
import { createOrg, type Org } from "@/lib/orgs/orgs.ts";
import { createUser, type User } from "@/lib/orgs/users.ts";

/** An organization with slug `slug` (name: the slug, capitalized). */
export async function seedOrg(ledger: Ledger, slug: string): Promise<Org> {
  return await createOrg(ledger, { name: slug[0].toUpperCase() + slug.slice(1), slug });
}

/** A user without a password. */
export async function seedUser(ledger: Ledger, email: string): Promise<User> {
  return await createUser(ledger, { email, name: email.split("@")[0], passwordHash: null });
}

/** A new user who is a member of `org` with `role`. */
export async function seedMember(
  ledger: Ledger,
  org: Org,
  email: string,
  role: Role,
): Promise<User> {
  const user = await seedUser(ledger, email);
  await addMember(ledger, { orgId: org.id, userId: user.id, role });
  return user;
}

/** The HttpError status and code a promise rejects with. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ status: number; code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: number; code?: string; message?: string };
    return { status: e.status ?? 0, code: e.code ?? "", message: e.message ?? "" };
  }
  throw new Error("expected a rejection");
}
