import { useEffect, useRef } from "preact/hooks";
import type { FleetRow } from "@/lib/ui/fleet.ts";
import { NowContext } from "@/lib/ui/time.ts";
import { FleetTable } from "@/components/FleetTable.tsx";
import { FleetSummary, type Summary as SummaryData } from "@/components/FleetSummary.tsx";
import {
  type FleetLiveOptions,
  fleetNote,
  fleetRows,
  fleetStatus,
  fleetSummaryData,
  startFleetLive,
} from "@/lib/live/fleet_store.ts";
import type { LiveStatus } from "@/lib/live/client.ts";
import { useNow } from "@/lib/live/use_now.ts";

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting to live updates…",
  live: "Live: rows and counters update by themselves.",
  paused: "Live updates paused (too many open tabs, or signed out); reload to resume.",
};

/**
 * The fleet table, kept current from the organization's live stream (`lib/live/fleet_store.ts`):
 * rows change in place when their host reports or its breaches change, and on an unfiltered
 * first page a host's first snapshot adds its row. Server-rendered with the same rows, so
 * without JavaScript it is the table as of the page load. When the page had no rows, the
 * server's empty state (a sibling `.empty`) is hidden once the first row arrives.
 *
 * @example
 * ```tsx
 * <FleetLive rows={rows} live={{ cursor, acceptNew: true, sort: "name", now }} />
 * ```
 */
export default function FleetLive(
  props: { rows: FleetRow[]; live: FleetLiveOptions & { now: string } },
) {
  const root = useRef<HTMLDivElement>(null);
  const now = useNow(props.live.now);
  useEffect(() => startFleetLive(props.rows, props.live), []);
  const rows = fleetRows.value ?? props.rows;
  useEffect(() => {
    const empty = root.current?.parentElement?.querySelector<HTMLElement>(":scope > .empty");
    if (empty) empty.hidden = rows.length > 0;
  }, [rows.length]);
  return (
    <div class="fleet-live" ref={root} data-live={fleetStatus.value}>
      <p class="muted live-note small">{fleetRows.value ? STATUS_TEXT[fleetStatus.value] : ""}</p>
      <p class="visually-hidden" role="status">{fleetNote.value}</p>
      {rows.length > 0 && (
        <NowContext.Provider value={now}>
          <FleetTable rows={rows} />
        </NowContext.Provider>
      )}
    </div>
  );
}

/**
 * The fleet summary counters, re-read (at most every few seconds) when the live stream says a
 * host or breach changed. Needs the {@link FleetLive} table island on the same page.
 *
 * @example
 * ```tsx
 * <Summary summary={summary} />
 * ```
 */
export function Summary(props: { summary: SummaryData }) {
  const live = fleetSummaryData.value as SummaryData | null;
  return <FleetSummary summary={live ?? props.summary} />;
}
