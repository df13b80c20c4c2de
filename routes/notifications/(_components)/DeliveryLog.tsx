import { SeverityBadge, Time } from "@/components/HostBadges.tsx";
import { TableFrame } from "@/components/TableFrame.tsx";
import type { Delivery, DeliveryAttempt } from "@/lib/notify/deliveries.ts";
import { type AttemptJson, type DeliveryJson, deliveryJson } from "@/lib/notify/views.ts";
import { StatusPill } from "./EndpointsTable.tsx";

/** One delivery of the log as the page gets it: the API's JSON shape, with every attempt. */
export type DeliveryRow = DeliveryJson & { attemptLog: AttemptJson[] };

/** The page's rows of a delivery log. */
export function deliveryRows(log: (Delivery & { attemptLog: DeliveryAttempt[] })[]): DeliveryRow[] {
  return log.map((d) => deliveryJson(d));
}

function Attempts(props: { row: DeliveryRow }) {
  if (props.row.attemptLog.length === 0) return <span class="muted">none</span>;
  return (
    <ol class="plain attempts">
      {props.row.attemptLog.map((a) => (
        <li key={a.attempt} data-attempt={a.attempt} data-status={a.status}>
          #{a.attempt} <StatusPill status={a.status} /> {a.responseCode ?? "no answer"} ·{" "}
          {a.latencyMs} ms · <Time iso={a.startedAt} />
          {a.error && <span class="muted">{` · ${a.error}`}</span>}
        </li>
      ))}
    </ol>
  );
}

/** An endpoint's deliveries, newest first, with every attempt's code, latency and error. */
export function DeliveryLog(props: { rows: DeliveryRow[] }) {
  if (props.rows.length === 0) {
    return (
      <p class="empty">Nothing delivered yet. Send a test to check that this endpoint works.</p>
    );
  }
  return (
    <TableFrame
      label="Deliveries table"
      id="delivery-log"
      caption="Delivery log"
      columns={["Created", "Event", "Status", "Attempts (code, latency, error)"]}
    >
      {props.rows.map((r) => (
        <tr key={r.id} data-delivery={r.id} data-status={r.status}>
          <td class="nowrap">
            <Time iso={r.createdAt} />
          </td>
          <td>
            <SeverityBadge severity={r.severity} /> {r.title}
            <span class="host-slug">{r.eventType}</span>
          </td>
          <td class="nowrap">
            <StatusPill status={r.status} />
            {r.reason && <span class="host-slug">{r.reason}</span>}
            {r.status === "retrying" && r.nextAttemptAt && (
              <span class="host-slug">
                next <Time iso={r.nextAttemptAt} />
              </span>
            )}
          </td>
          <td>
            <Attempts row={r} />
          </td>
        </tr>
      ))}
    </TableFrame>
  );
}
