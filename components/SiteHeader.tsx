import ThemeToggle from "@/islands/ThemeToggle.tsx";
import type { Theme } from "@/lib/state.ts";

interface NavLink {
  href: string;
  label: string;
}

/** Links to pages that exist; later capabilities add theirs here. */
export function navLinks(dev: boolean): NavLink[] {
  return [
    { href: "/", label: "Overview" },
    ...(dev ? [{ href: "/dev/islands", label: "Island check" }] : []),
  ];
}

export function SiteHeader(props: { path: string; theme: Theme; dev: boolean }) {
  return (
    <header class="site-header">
      <a class="brand" href="/">
        <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24">
          <path d="M12 2 3 6v6c0 5 3.8 9.4 9 10 5.2-.6 9-5 9-10V6z" class="brand-shield" />
        </svg>
        <span>VPS Sentry</span>
      </a>
      <nav aria-label="Main">
        <ul>
          {navLinks(props.dev).map((link) => (
            <li key={link.href}>
              <a href={link.href} aria-current={props.path === link.href ? "page" : undefined}>
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <ThemeToggle initial={props.theme} />
    </header>
  );
}
