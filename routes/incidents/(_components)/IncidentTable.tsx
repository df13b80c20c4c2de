import type { IncidentRow } from "@/lib/incidents/page_data.ts";
import { Time } from "@/components/HostBadges.tsx";

/** The incident list; overdue acknowledgements are highlighted (and say so in text). */
export function IncidentTable(props: { rows: IncidentRow[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Incidents table">
      <table class="incident-list">
        <caption class="visually-hidden">Incidents, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Incident</th>
            <th scope="col">Severity</th>
            <th scope="col">State</th>
            <th scope="col">Host</th>
            <th scope="col">Assignee</th>
            <th scope="col">Opened</th>
            <th scope="col">Ack due</th>
            <th scope="col" class="num">Signals</th>
          </tr>
        </thead>
        <tbody>
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
                <span class={`sev sev-${r.severity}`}>{r.severity}</span>
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
        </tbody>
      </table>
    </div>
  );
}
