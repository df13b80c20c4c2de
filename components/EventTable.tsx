import type { ComponentChildren } from "preact";
import { Time } from "./HostBadges.tsx";
import { TableFrame } from "./TableFrame.tsx";

/** One change in an {@link EventTable}. */
export interface EventRow {
  id: string;
  /** When, ISO 8601. */
  ts: string;
  /** What happened (second column). */
  what: ComponentChildren;
  /** Who did it. */
  actor: string;
  /** Why, or the details (last column; wraps). */
  detail: ComponentChildren;
  /** `data-*` attributes of the row (tests and scripts find rows by them). */
  attrs: Record<`data-${string}`, string>;
}

/**
 * A history of changes, oldest first: time, what happened, who, and why, as a {@link TableFrame}
 * (incident timelines, breach state histories).
 *
 * @example
 * ```tsx
 * <EventTable label="State history table" class="breach-events"
 *   caption="State changes, oldest first" columns={["Change", "Reason"]} rows={rows} />
 * ```
 */
export function EventTable(props: {
  /** The region's accessible name. */
  label: string;
  class: string;
  /** The (visually hidden) caption. */
  caption: string;
  /** The headings of the second and last columns. */
  columns: [what: string, detail: string];
  rows: EventRow[];
}) {
  const [what, detail] = props.columns;
  return (
    <TableFrame
      label={props.label}
      class={props.class}
      caption={props.caption}
      columns={["Time", what, "By", detail]}
    >
      {props.rows.map((row) => (
        <tr key={row.id} {...row.attrs}>
          <td class="nowrap">
            <Time iso={row.ts} />
          </td>
          <td>{row.what}</td>
          <td>{row.actor}</td>
          <td class="wrap">{row.detail}</td>
        </tr>
      ))}
    </TableFrame>
  );
}
