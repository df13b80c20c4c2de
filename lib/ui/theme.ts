/** The colour theme preference, kept in a plain cookie so the server renders it without a flash. */
import type { Theme } from "../state.ts";

export const THEME_COOKIE = "theme";
export const THEMES: readonly Theme[] = ["system", "light", "dark"];

/**
 * Reads the theme from a `Cookie` header; anything unknown is `system`.
 *
 * @example
 * ```ts
 * themeFromCookie("a=1; theme=dark") // "dark"
 * ```
 */
export function themeFromCookie(cookie: string | null): Theme {
  const match = /(?:^|;\s*)theme=([a-z]+)/.exec(cookie ?? "");
  const value = match?.[1] as Theme | undefined;
  return value && THEMES.includes(value) ? value : "system";
}

/** The theme after `current` in the toggle cycle. */
export function nextTheme(current: Theme): Theme {
  return THEMES[(THEMES.indexOf(current) + 1) % THEMES.length];
}
