import { createContext } from "preact";

/**
 * Human-readable durations for the console.
 *
 * @example
 * ```ts
 * formatAge(75_000) // "1 min ago"
 * ```
 */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/**
 * How far `iso` is from `now`, for people: "12 s ago", "3 h ago", "in 5 min"; a date
 * (`2026-10-01`) once it is 30 days or more away either way.
 *
 * @example
 * ```ts
 * formatRelative("2026-11-25T09:55:00Z", "2026-11-25T10:00:00Z") // "5 min ago"
 * formatRelative("2026-11-25T10:05:00Z", "2026-11-25T10:00:00Z") // "in 5 min"
 * ```
 */
export function formatRelative(iso: string, now: string | Date): string {
  const ms = new Date(now).getTime() - Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  if (Math.abs(ms) >= 30 * 86_400_000) return iso.slice(0, 10);
  return ms >= 0 ? formatAge(ms) : `in ${formatAge(-ms).replace(/ ago$/, "")}`;
}

/**
 * The request's "now" (ISO) for server-rendered times, provided by the console layout; null
 * where no layout provides it (islands in the browser), and times then show as exact UTC.
 */
export const NowContext = createContext<string | null>(null);
