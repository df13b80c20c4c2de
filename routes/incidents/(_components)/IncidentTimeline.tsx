import type { IncidentPageData } from "@/lib/incidents/incident_page.ts";
import { EventTable } from "@/components/EventTable.tsx";
import { Time } from "@/components/HostBadges.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";

/** Linked hosts, breaches, runs and signals, with links to their pages. */
export function LinkedItems(props: { data: IncidentPageData }) {
  const { links, manage } = props.data;
  const groups = (["host", "breach", "run", "signal"] as const).map((kind) =>
    [kind, links.filter((l) => l.kind === kind)] as const
  );
  return (
    <section class="card" aria-labelledby="incident-links">
      <h2 id="incident-links">Linked items</h2>
      {links.length === 0
        ? (
          <p class="empty">
            Nothing linked. Link the hosts, breaches and remediation runs involved below; signals of
            automatic incidents are linked as they arrive.
          </p>
        )
        : groups.filter(([, items]) => items.length > 0).map(([kind, items]) => (
          <div key={kind}>
            <h3>
              {kind === "run" ? "Remediation runs" : `${kind[0].toUpperCase()}${kind.slice(1)}s`}
            </h3>
            <ul class="plain incident-links" data-kind={kind}>
              {items.slice(0, 100).map((l) => (
                <li key={l.id} data-link={l.id}>
                  {l.href ? <a href={l.href}>{l.label}</a> : l.label}{" "}
                  <span class="muted small">
                    {l.detail}
                    {l.state ? ` · ${l.state}` : ""}
                  </span>
                  {l.ts && (
                    <>
                      {" "}
                      <Time iso={l.ts} />
                    </>
                  )}
                  {manage && kind !== "signal" && (
                    <IntentButton
                      intent="unlink"
                      fields={{ kind, refId: l.id }}
                      label="Unlink"
                      ariaLabel={`Unlink ${kind} ${l.label}`}
                    />
                  )}
                </li>
              ))}
              {items.length > 100 && <li class="muted">and {items.length - 100} more</li>}
            </ul>
          </div>
        ))}
    </section>
  );
}

/** Every change of the incident, oldest first, with actor and time. */
export function IncidentTimeline(props: { data: IncidentPageData }) {
  return (
    <section class="card" aria-labelledby="incident-timeline">
      <h2 id="incident-timeline">Timeline</h2>
      <EventTable
        label="Timeline table"
        class="incident-events"
        caption="Incident timeline, oldest first"
        columns={["Event", "Detail"]}
        rows={props.data.timeline.map((e) => ({
          id: e.id,
          attrs: { "data-type": e.type },
          ts: e.ts,
          what: (
            <>
              {e.type}
              {e.change && <span class="host-slug">{e.change}</span>}
            </>
          ),
          actor: e.actor,
          detail: e.message,
        }))}
      />
    </section>
  );
}
