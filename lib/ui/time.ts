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
 * How long until something, to the minute, for deadlines and expiries: "45 s", "5 min",
 * "1 h 58 min", "3 h", "2 d 4 h 10 min". Whole minutes are counted down (never up), so the
 * text is at most a minute sooner than the real time and never later; zero parts are left out.
 *
 * @example
 * ```ts
 * formatRemaining(7_080_000) // "1 h 58 min"
 * ```
 */
export function formatRemaining(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s === 0) return "under a second";
  if (s < 60) return `${s} s`;
  const totalMin = Math.floor(s / 60);
  const d = Math.floor(totalMin / 1440);
  const h = Math.floor((totalMin % 1440) / 60);
  const m = totalMin % 60;
  const parts: string[] = [];
  if (d > 0) parts.push(`${d} d`);
  if (h > 0) parts.push(`${h} h`);
  if (m > 0) parts.push(`${m} min`);
  return parts.join(" ");
}

/**
 * How far `iso` is from `now`, for people: "12 s ago", "3 h ago", "in 5 min", "in 1 h 58 min";
 * a date (`2026-10-01`) once it is 30 days or more away either way. Future times are precise to
 * the minute (see {@link formatRemaining}) so a deadline never reads sooner than it is by more
 * than a minute; past times are coarser ages.
 *
 * @example
 * ```ts
 * formatRelative("2026-11-25T09:55:00Z", "2026-11-25T10:00:00Z") // "5 min ago"
 * formatRelative("2026-11-25T10:05:00Z", "2026-11-25T10:00:00Z") // "in 5 min"
 * formatRelative("2026-11-25T11:58:00Z", "2026-11-25T10:00:00Z") // "in 1 h 58 min"
 * ```
 */
export function formatRelative(iso: string, now: string | Date): string {
  const ms = new Date(now).getTime() - Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  if (Math.abs(ms) >= 30 * 86_400_000) return iso.slice(0, 10);
  return ms >= 0 ? formatAge(ms) : `in ${formatRemaining(-ms)}`;
}

/**
 * The request's "now" (ISO) for server-rendered times, provided by the console layout; null
 * where no layout provides it (islands in the browser), and times then show as exact UTC.
 */
export const NowContext = createContext<string | null>(null);
