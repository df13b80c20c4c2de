import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Posture } from "@/lib/signals/posture.ts";
import { NowContext } from "@/lib/ui/time.ts";
import { HostPosture } from "@/components/HostPosture.tsx";
import { Time } from "@/components/HostBadges.tsx";
import { type LiveData, type LiveStatus, liveUrl, subscribeLive } from "@/lib/live/client.ts";
import { useNow } from "@/lib/live/use_now.ts";

/** What the host page shows live, as rendered. */
export interface HostLiveState {
  posture: Posture;
  /** Collection time of the latest snapshot, or null before the first. */
  lastSnapshot: string | null;
  /** Open breaches. */
  breaches: number;
  /** More open breaches than `breaches` (the page lists a bounded number). */
  more?: boolean;
}

async function readJson(url: string): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(url, { headers: { accept: "application/json" } });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

/**
 * The host page's posture (score, band, stage and the signals that cost the most points), last
 * snapshot time and open breach count, kept current from the host's live stream; when a new
 * snapshot arrives it also says that the heavier sections below are from the page load, with a
 * link to reload. Server-rendered with the same data, so without JavaScript it is the page as
 * loaded.
 *
 * @example
 * ```tsx
 * <HostLive hostId={host.id} live={{ cursor, now }} initial={{ posture, lastSnapshot, breaches }} />
 * ```
 */
export default function HostLive(
  props: { hostId: string; live: { cursor: string; now: string }; initial: HostLiveState },
) {
  const state = useSignal(props.initial);
  const status = useSignal<LiveStatus | null>(null);
  const arrived = useSignal<string | null>(null);
  const now = useNow(props.live.now);
  useEffect(() => {
    const id = encodeURIComponent(props.hostId);
    const refresh = async (posture: boolean) => {
      const [view, rows] = await Promise.all([
        posture ? readJson(`/api/hosts/${id}`) : null,
        readJson(`/api/live/hosts?ids=${id}`),
      ]);
      const row = (rows?.rows as { breaches: number; lastSnapshot: string | null }[] | undefined)
        ?.[0];
      state.value = {
        posture: (view?.posture as Posture | undefined) ?? state.value.posture,
        lastSnapshot: row?.lastSnapshot ?? state.value.lastSnapshot,
        breaches: row?.breaches ?? state.value.breaches,
        more: row ? false : state.value.more,
      };
    };
    return subscribeLive(liveUrl(props.hostId, props.live.cursor), {
      event(data: LiveData) {
        if (data.type === "host.state") {
          if (data.persisted === true && data.latest === true) arrived.value = String(data.ts);
          void refresh(true);
        } else if (data.type === "breach") void refresh(false);
      },
      reset: () => void refresh(true),
      status: (s) => status.value = s,
    });
  }, []);
  const { posture, lastSnapshot, breaches, more } = state.value;
  return (
    <NowContext.Provider value={now}>
      <p class="muted small live-note" data-live={status.value ?? "off"}>
        {status.value === "live" ? "Live · " : ""}last snapshot{" "}
        <Time iso={lastSnapshot} empty="none yet" /> ·{" "}
        <span data-open-breaches>{breaches}{more ? "+" : ""}</span>{" "}
        open breach{breaches === 1 ? "" : "es"}
      </p>
      <div role="status">
        {arrived.value && (
          <p class="notice notice-info" data-new-snapshot>
            A new snapshot arrived (collected{" "}
            <Time iso={arrived.value} />). The posture is current; threats, breaches, ports and
            vitals below are from the page load. <a href="">Reload the page</a>
          </p>
        )}
      </div>
      <HostPosture posture={posture} />
    </NowContext.Provider>
  );
}
