import type { FleetRow } from "@/lib/ui/fleet.ts";
import { HeartbeatBadge, PostureBadge, Tags, Time } from "@/components/HostBadges.tsx";

/** Every host of the page: posture, heartbeat, open critical/high signals, last snapshot. */
export function FleetTable(props: { rows: FleetRow[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Hosts table">
      <table class="fleet">
        <caption class="visually-hidden">Hosts</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Group</th>
            <th scope="col">Tags</th>
            <th scope="col">Posture</th>
            <th scope="col">Heartbeat</th>
            <th scope="col">
              <abbr title="Open critical signals">Crit.</abbr>
            </th>
            <th scope="col">High</th>
            <th scope="col">Open breaches</th>
            <th scope="col">Last snapshot</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr
              key={row.id}
              data-host={row.slug}
              data-band={row.band}
              data-breaches={row.breaches}
              data-heartbeat={row.heartbeat}
            >
              <th scope="row">
                <a href={`/hosts/${row.id}`}>{row.name}</a>
                <span class="host-slug">{row.slug}</span>
              </th>
              <td>{row.group ?? <span class="muted">—</span>}</td>
              <td>
                <Tags tags={row.tags} />
              </td>
              <td class="nowrap">
                <PostureBadge score={row.score} band={row.band} />
              </td>
              <td class="nowrap">
                <HeartbeatBadge state={row.heartbeat} label={row.heartbeatLabel} />
              </td>
              <td class={row.critical ? "num count-critical" : "num muted"}>{row.critical}</td>
              <td class={row.high ? "num count-high" : "num muted"}>{row.high}</td>
              <td class={row.breaches ? "num count-critical" : "num muted"}>{row.breaches}</td>
              <td class="nowrap">
                <Time iso={row.lastSnapshot} empty="no snapshot yet" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
