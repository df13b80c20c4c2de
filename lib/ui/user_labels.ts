/**
 * Who did something, as pages name people: e-mail addresses by user id.
 *
 * @module
 */
import type { Services } from "../services.ts";
import { getUser } from "../orgs/users.ts";

/**
 * E-mail addresses of users by id (an id that is not a user stays itself).
 *
 * @example
 * ```ts
 * const who = await userLabels(services, runs.map((r) => r.requestedBy));
 * ```
 */
export async function userLabels(
  services: Services,
  ids: (string | null)[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of new Set(ids)) {
    if (!id) continue;
    const user = await getUser(services.ledger, id);
    out.set(id, user ? user.email : id);
  }
  return out;
}
