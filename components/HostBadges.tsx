import { useContext } from "preact/hooks";
import { formatRelative, NowContext } from "@/lib/ui/time.ts";
import type { PostureBand } from "@/lib/signals/posture.ts";
import type { HeartbeatStateName } from "@/lib/signals/heartbeat.ts";

/** `2026-11-25 16:56 UTC` from an ISO time. */
export const shortUtc = (iso: string) => `${iso.replace("T", " ").slice(0, 16)} UTC`;

/**
 * A time for people — relative to the request's now ("5 min ago", "in 3 h") where the layout
 * provides it, else short UTC (`absolute` forces that, for islands) — with the exact ISO value
 * as its tooltip and machine value.
 *
 * @example
 * ```tsx
 * <Time iso={row.lastSnapshot} empty="no snapshot yet" />
 * ```
 */
export function Time(props: { iso: string | null; empty?: string; absolute?: boolean }) {
  const now = useContext(NowContext);
  if (!props.iso) return <span class="muted">{props.empty ?? "never"}</span>;
  const text = now && !props.absolute ? formatRelative(props.iso, now) : shortUtc(props.iso);
  return <time dateTime={props.iso} title={props.iso}>{text}</time>;
}

/** The posture score and band, coloured by band (the text says it too). */
export function PostureBadge(props: { score: number; band: PostureBand }) {
  return (
    <span class={`pill band-${props.band}`}>
      <span class="pill-score">{Math.round(props.score)}</span> {props.band}
    </span>
  );
}

/** A severity (signal, breach, incident), coloured by level; the text says it too. */
export function SeverityBadge(props: { severity: string }) {
  return <span class={`sev sev-${props.severity}`}>{props.severity}</span>;
}

/** The heartbeat label, coloured by state. */
export function HeartbeatBadge(props: { state: HeartbeatStateName; label: string }) {
  return <span class={`pill hb-${props.state}`}>{props.label}</span>;
}

/** Tags as small chips; nothing when there are none. */
export function Tags(props: { tags: string[] }) {
  if (props.tags.length === 0) return null;
  return (
    <ul class="tags" aria-label="Tags">
      {props.tags.map((t) => <li key={t}>{t}</li>)}
    </ul>
  );
}
