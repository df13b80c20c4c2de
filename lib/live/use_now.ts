/**
 * "Now" for live islands' relative times ("5 min ago"): starts at the server's render time (so
 * the browser's first render matches the page) and moves with the browser's clock, corrected by
 * the difference between the two, every 30 s. Browser-safe.
 *
 * @module
 */

import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

const TICK_MS = 30_000;

/**
 * The current time as ISO, re-rendering the island as it moves.
 *
 * @example
 * ```tsx
 * const now = useNow(props.now);
 * return <NowContext.Provider value={now}><FleetTable rows={rows} /></NowContext.Provider>;
 * ```
 */
export function useNow(serverNow: string): string {
  const now = useSignal(serverNow);
  useEffect(() => {
    const offset = Date.parse(serverNow) - Date.now();
    const timer = setInterval(() => {
      now.value = new Date(Date.now() + offset).toISOString();
    }, TICK_MS);
    return () => clearInterval(timer);
  }, []);
  return now.value;
}
