import { Time } from "@/components/HostBadges.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import { TableFrame } from "@/components/TableFrame.tsx";
import type { NotifyEndpoint } from "@/lib/notify/endpoint_store.ts";
import { ENDPOINT_KIND_LABELS, EVENT_TYPE_LABELS } from "@/lib/notify/types.ts";

/** The latest delivery of an endpoint, as the list shows it. */
export interface LastDelivery {
  status: string;
  code: number | null;
  at: string;
}

const GOOD = new Set(["sent"]);
const BAD = new Set(["failed"]);

/** A delivery status as a coloured pill (the text says it too). */
export function StatusPill(props: { status: string }) {
  const cls = GOOD.has(props.status)
    ? "pill pill-ok"
    : BAD.has(props.status)
    ? "pill pill-bad"
    : "pill";
  return <span class={cls}>{props.status}</span>;
}

/** The routing rules of an endpoint in words. */
export function rulesText(e: Pick<NotifyEndpoint, "minSeverity" | "eventTypes">): string {
  const types = e.eventTypes.length === 0
    ? "all events"
    : e.eventTypes.map((t) => EVENT_TYPE_LABELS[t]).join(", ");
  return `${e.minSeverity} and above · ${types}`;
}

/** Where an endpoint sends: its URL's display form or its addresses. */
export function targetText(e: Pick<NotifyEndpoint, "kind" | "emails" | "urlDisplay">): string {
  return e.kind === "email" ? e.emails.join(", ") : e.urlDisplay ?? "";
}

/** The organization's endpoints with their latest delivery; admins get a test button per row. */
export function EndpointsTable(
  props: { endpoints: NotifyEndpoint[]; last: Record<string, LastDelivery>; manage: boolean },
) {
  if (props.endpoints.length === 0) {
    return <p class="empty">No endpoint yet: nothing is notified. Add one below.</p>;
  }
  return (
    <TableFrame
      label="Endpoints table"
      id="endpoints"
      caption="Notification endpoints"
      columns={["Name", "Kind", "Target", "Rules", "Last delivery", props.manage && "Test"]}
    >
      {props.endpoints.map((e) => {
        const last = props.last[e.id];
        return (
          <tr key={e.id} data-endpoint={e.id} data-enabled={e.enabled ? "yes" : "no"}>
            <th scope="row">
              <a href={`/notifications/${e.id}`}>{e.name}</a>
              {!e.enabled && <span class="pill">disabled</span>}
            </th>
            <td>{ENDPOINT_KIND_LABELS[e.kind]}</td>
            <td class="wrap">
              <code>{targetText(e)}</code>
            </td>
            <td>{rulesText(e)}</td>
            <td class="nowrap">
              {last
                ? (
                  <>
                    <StatusPill status={last.status} />
                    {last.code !== null && <span class="muted">{` ${last.code}`}</span>}
                    {" · "}
                    <Time iso={last.at} />
                  </>
                )
                : <span class="muted">none yet</span>}
            </td>
            {props.manage && (
              <td>
                <IntentButton
                  intent="test"
                  fields={{ endpointId: e.id }}
                  label="Test"
                  pendingLabel="Sending…"
                  ariaLabel={`Send a test to ${e.name}`}
                />
              </td>
            )}
          </tr>
        );
      })}
    </TableFrame>
  );
}
