import ThemeToggle from "@/islands/ThemeToggle.tsx";
import type { Theme } from "@/lib/state.ts";
import type { AuthState, OrgChoice } from "@/lib/auth/state.ts";
import { type Role, roleAtLeast } from "@/lib/auth/roles.ts";
import SubmitButton from "@/islands/SubmitButton.tsx";

interface NavLink {
  href: string;
  label: string;
}

/**
 * Links to the pages the operator may open: none signed out, Account without an organization,
 * Audit only for admins and owners. Later capabilities add theirs here. The development-only
 * island check (`/dev/islands`) is a developer's tool, never in the operators' navigation.
 */
export function navLinks(opts: { role: Role | null; signedIn: boolean }): NavLink[] {
  if (!opts.signedIn) return [];
  const links: NavLink[] = [];
  if (opts.role) {
    links.push(
      { href: "/", label: "Overview" },
      { href: "/hosts", label: "Hosts" },
      { href: "/timeline", label: "Timeline" },
      { href: "/breaches", label: "Breaches" },
      { href: "/incidents", label: "Incidents" },
    );
    if (roleAtLeast(opts.role, "ops")) links.push({ href: "/remediation", label: "Remediation" });
    if (roleAtLeast(opts.role, "ops")) links.push({ href: "/reports", label: "Reports" });
    links.push({ href: "/org/members", label: "Members" });
    if (roleAtLeast(opts.role, "admin")) {
      links.push({ href: "/notifications", label: "Notifications" });
    }
    if (roleAtLeast(opts.role, "admin")) links.push({ href: "/audit", label: "Audit" });
  }
  links.push({ href: "/account", label: "Account" });
  return links;
}

function Brand() {
  return (
    <a class="brand" href="/">
      <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24">
        <path d="M12 2 3 6v6c0 5 3.8 9.4 9 10 5.2-.6 9-5 9-10V6z" class="brand-shield" />
      </svg>
      <span>VPS Sentry</span>
    </a>
  );
}

/** The active organization; a switcher form when the operator belongs to more than one. */
function OrgPicker(props: { orgs: OrgChoice[]; active: OrgChoice }) {
  if (props.orgs.length < 2) {
    return (
      <p class="org-current">
        <span class="visually-hidden">Organization:</span>
        <span class="org-name">{props.active.name}</span>
        <span class="role-tag">{props.active.role}</span>
      </p>
    );
  }
  return (
    <form method="post" action="/org/switch" class="org-switcher">
      <label for="org-switch" class="visually-hidden">Organization</label>
      <select id="org-switch" name="orgId">
        {props.orgs.map((o) => (
          <option key={o.id} value={o.id} selected={o.id === props.active.id}>
            {o.name} ({o.role})
          </option>
        ))}
      </select>
      <SubmitButton label="Switch" pendingLabel="Switching…" />
    </form>
  );
}

/** Signed out: brand and theme only. Signed in: navigation, organization, sign-out. */
export function SiteHeader(
  props: { path: string; theme: Theme; auth: AuthState | null },
) {
  const { auth } = props;
  const links = navLinks({
    role: auth?.org?.role ?? null,
    signedIn: auth !== null,
  });
  return (
    <header class="site-header">
      <Brand />
      {links.length > 0
        ? (
          <nav aria-label="Main">
            <ul>
              {links.map((link) => (
                <li key={link.href}>
                  <a href={link.href} aria-current={props.path === link.href ? "page" : undefined}>
                    {link.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )
        : <span class="header-spacer" />}
      <div class="header-tools">
        {auth?.org && <OrgPicker orgs={auth.orgs} active={auth.org} />}
        <ThemeToggle initial={props.theme} />
        {auth && (
          <form method="post" action="/sign-out" class="sign-out">
            <SubmitButton
              label="Sign out"
              pendingLabel="Signing out…"
              title={`Signed in as ${auth.user.email}`}
            />
          </form>
        )}
      </div>
    </header>
  );
}
