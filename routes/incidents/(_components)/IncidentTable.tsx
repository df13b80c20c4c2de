import type { IncidentRow } from "@/lib/incidents/page_data.ts";
import { SeverityBadge, Time } from "@/components/HostBadges.tsx";
import { type TableColumn, TableFrame } from "@/components/TableFrame.tsx";

const COLUMNS: TableColumn[] = [
  "Incident",
  "Severity",
  "State",
  "Host",
  "Assignee",
  "Opened",
  "Ack due",
  { label: "Signals", numeric: true },
];

/** The incident list; overdue acknowledgements are highlighted (and say so in text). */
export function IncidentTable(props: { rows: IncidentRow[] }) {
  return (
    <TableFrame
      label="Incidents table"
      class="incident-list"
      caption="Incidents, newest first"
      columns={COLUMNS}
    >
      {props.rows.map((r) => (
        <tr
          key={r.id}
          class={r.overdue ? "incident-overdue" : undefined}
          data-incident={r.id}
          data-state={r.state}
          data-overdue={r.overdue ? "true" : undefined}
        >
          <th scope="row" class="wrap">
            <a href={`/incidents/${r.id}`}>{r.title}</a>
            {r.suggestResolve && <span class="host-slug">all linked breaches fixed</span>}
          </th>
          <td>
            <SeverityBadge severity={r.severity} />
          </td>
          <td>
            <span class={`state state-${r.state}`}>{r.state}</span>
            {r.escalationLevel > 1 && <span class="host-slug">level {r.escalationLevel}</span>}
          </td>
          <td>
            {r.hostId
              ? <a href={`/hosts/${r.hostId}`}>{r.hostName}</a>
              : <span class="muted">—</span>}
          </td>
          <td>{r.assignee ?? <span class="muted">unassigned</span>}</td>
          <td class="nowrap">
            <Time iso={r.openedAt} />
          </td>
          <td class="nowrap">
            {r.state === "open"
              ? <Time iso={r.ackDueAt} empty="—" />
              : <span class="muted">—</span>}
            {r.overdue && <strong class="overdue-tag">overdue</strong>}
          </td>
          <td class="num">{r.signalCount}</td>
        </tr>
      ))}
    </TableFrame>
  );
}
