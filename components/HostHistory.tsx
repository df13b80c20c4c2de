import type { BreachRow, TimelineRow } from "@/lib/ui/host_history.ts";
import { SeverityBadge, Time } from "@/components/HostBadges.tsx";
import { TableFrame } from "@/components/TableFrame.tsx";

/** The host's open breaches: findings still present since they were opened. */
export function BreachesTable(props: { rows: BreachRow[]; more: boolean }) {
  if (props.rows.length === 0) return <p>No open breach.</p>;
  return (
    <>
      <TableFrame
        label="Open breaches table"
        class="breaches"
        caption="Open breaches"
        columns={["Finding", "Severity", "Opened", "Last seen"]}
      >
        {props.rows.map((b) => (
          <tr key={b.id} data-breach={b.code}>
            <th scope="row">
              {b.title} <code class="host-slug">{b.code}</code>
              {b.reopenCount > 0 && <span class="host-slug">re-opened {b.reopenCount}×</span>}
            </th>
            <td>
              <SeverityBadge severity={b.severity} />
            </td>
            <td class="nowrap">
              <Time iso={b.openedAt} />
            </td>
            <td class="nowrap">
              <Time iso={b.lastSeenAt} />
            </td>
          </tr>
        ))}
      </TableFrame>
      {props.more && <p class="muted">Only the {props.rows.length} newest are shown.</p>}
    </>
  );
}

/** The host's latest signals, identical ones within the dedupe window folded into one row. */
export function TimelineList(props: { rows: TimelineRow[] }) {
  if (props.rows.length === 0) return <p>No signal recorded yet.</p>;
  return (
    <ol class="plain timeline">
      {props.rows.map((e) => (
        <li key={e.id} data-code={e.code}>
          <Time iso={e.lastTs} /> <SeverityBadge severity={e.severity} /> {e.title}
          {e.count > 1 && (
            <span class="muted">{` (×${e.count} since ${e.firstTs.slice(11, 16)} UTC)`}</span>
          )}
        </li>
      ))}
    </ol>
  );
}
