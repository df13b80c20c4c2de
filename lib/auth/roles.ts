/**
 * Roles and actors: who may act, and how an actor is named in the audit trail.
 * Roles are ordered: owner > admin > ops > viewer.
 */

/** Roles in ascending order of power. */
export const ROLES = ["viewer", "ops", "admin", "owner"] as const;
export type Role = typeof ROLES[number];

/**
 * True when `role` is `min` or above.
 *
 * @example
 * ```ts
 * roleAtLeast("admin", "ops") // true
 * roleAtLeast("viewer", "ops") // false
 * ```
 */
export function roleAtLeast(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}

/** The role for a string, or null when it is not one. */
export function parseRole(value: unknown): Role | null {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value)
    ? value as Role
    : null;
}

/** Who did something, as recorded in the audit trail. */
export interface ActorRef {
  type: "user" | "host" | "system" | "anonymous";
  /** User id, host id, job name; "" for anonymous. */
  id: string;
  /** Human label at the time (e-mail, host name); informational. */
  label?: string;
}
