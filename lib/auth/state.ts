/** Who is making a request, as the root middleware resolves it from the session cookie. */
import type { Session } from "./sessions.ts";
import type { Role } from "./roles.ts";

/** An organization the operator belongs to, for the switcher. */
export interface OrgChoice {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

/** A signed-in operator and the organization they act in. */
export interface AuthState {
  session: Session;
  user: { id: string; email: string; name: string; totpEnabled: boolean };
  /** Every organization the user belongs to (bounded by the membership count). */
  orgs: OrgChoice[];
  /** The active organization, or null when the user belongs to none. */
  org: OrgChoice | null;
}
