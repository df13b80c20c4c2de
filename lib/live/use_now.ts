/**
 * "Now" for live islands' relative times ("5 min ago"): the server's render time on the first
 * render (so the browser's first render matches the page), then the browser's clock corrected by
 * the difference between the two, read on every render — a row that arrives live is never newer
 * than "now" ("in 23 s" for a snapshot just received) — and at least every 30 s. Browser-safe.
 *
 * @module
 */

import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

const TICK_MS = 30_000;

/**
 * The current time as ISO, re-rendering the island at least every 30 s.
 *
 * @example
 * ```tsx
 * const now = useNow(props.now);
 * return <NowContext.Provider value={now}><FleetTable rows={rows} /></NowContext.Provider>;
 * ```
 */
export function useNow(serverNow: string): string {
  const offset = useSignal<number | null>(null);
  const tick = useSignal(0);
  useEffect(() => {
    offset.value = Date.parse(serverNow) - Date.now();
    const timer = setInterval(() => tick.value++, TICK_MS);
    return () => clearInterval(timer);
  }, []);
  // Read so the interval re-renders the island; the time itself is read now.
  void tick.value;
  return offset.value === null ? serverNow : new Date(Date.now() + offset.value).toISOString();
}
