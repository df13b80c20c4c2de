import { Time } from "@/components/HostBadges.tsx";
import type { Delivery, DeliveryAttempt } from "@/lib/notify/deliveries.ts";
import { StatusPill } from "./EndpointsTable.tsx";

/** One delivery of the log as the page gets it (dates as ISO text). */
export interface DeliveryRow {
  id: string;
  eventType: string;
  severity: string;
  title: string;
  status: string;
  reason: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  attemptLog: {
    attempt: number;
    startedAt: string;
    status: string;
    responseCode: number | null;
    latencyMs: number;
    error: string | null;
  }[];
}

/** The page's rows of a delivery log. */
export function deliveryRows(log: (Delivery & { attemptLog: DeliveryAttempt[] })[]): DeliveryRow[] {
  return log.map((d) => ({
    id: d.id,
    eventType: d.eventType,
    severity: d.severity,
    title: d.title,
    status: d.status,
    reason: d.reason,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    attemptLog: d.attemptLog.map((a) => ({ ...a, startedAt: a.startedAt.toISOString() })),
  }));
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
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Deliveries table">
      <table id="delivery-log">
        <caption class="visually-hidden">Delivery log</caption>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts (code, latency, error)</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.id} data-delivery={r.id} data-status={r.status}>
              <td class="nowrap">
                <Time iso={r.createdAt} />
              </td>
              <td>
                <span class={`sev sev-${r.severity}`}>{r.severity}</span> {r.title}
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
        </tbody>
      </table>
    </div>
  );
}
