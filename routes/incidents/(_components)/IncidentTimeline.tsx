import type { IncidentPageData, LinkRow } from "@/lib/incidents/incident_page.ts";
import { EventTable } from "@/components/EventTable.tsx";
import { Time } from "@/components/HostBadges.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";

/** The heading of each kind of linked item. */
const HEADINGS: Record<LinkRow["kind"], string> = {
  host: "Hosts",
  breach: "Breaches",
  run: "Remediation runs",
  signal: "Signals",
};

/** At most this many rows a kind (signal rows are groups). */
const SHOWN = 100;

/** Identical signals (same title, severity and code) as one row: how many, first and last seen. */
export interface SignalGroup {
  item: LinkRow;
  count: number;
  firstTs: string | null;
  lastTs: string | null;
}

/**
 * Groups identical signals, newest last sighting first (a host repeating one finding in every
 * snapshot is one row, not one per snapshot).
 *
 * @example
 * ```ts
 * groupSignals(links.filter((l) => l.kind === "signal"))[0].count; // 78
 * ```
 */
export function groupSignals(signals: LinkRow[]): SignalGroup[] {
  const groups = new Map<string, SignalGroup>();
  for (const s of signals) {
    const key = JSON.stringify([s.label, s.detail, s.state]);
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { item: s, count: 1, firstTs: s.ts, lastTs: s.ts });
      continue;
    }
    group.count++;
    if (s.ts && (!group.firstTs || s.ts < group.firstTs)) group.firstTs = s.ts;
    if (s.ts && (!group.lastTs || s.ts > group.lastTs)) {
      group.lastTs = s.ts;
      group.item = s;
    }
  }
  return [...groups.values()].sort((a, b) => (b.lastTs ?? "").localeCompare(a.lastTs ?? ""));
}

function SignalRows(props: { signals: LinkRow[]; total: number }) {
  const groups = groupSignals(props.signals);
  return (
    <>
      <ul class="plain incident-links" data-kind="signal">
        {groups.slice(0, SHOWN).map((g) => (
          <li key={g.item.id} data-link={g.item.id} data-count={g.count}>
            {g.item.label} <span class="muted small">{g.item.detail}</span>
            {g.count > 1 && <span class="host-slug">×{g.count}</span>}{" "}
            {g.count > 1 && g.firstTs !== g.lastTs
              ? (
                <span class="small">
                  first <Time iso={g.firstTs} />, last <Time iso={g.lastTs} />
                </span>
              )
              : g.lastTs && <Time iso={g.lastTs} />}
          </li>
        ))}
        {groups.length > SHOWN && (
          <li class="muted">
            and {groups.length - SHOWN} more kind{groups.length - SHOWN === 1 ? "" : "s"} of signal
          </li>
        )}
      </ul>
      {props.total > props.signals.length && (
        <p class="muted small">
          Grouped from the newest {props.signals.length} of {props.total} signals.
        </p>
      )}
    </>
  );
}

/** Linked hosts, breaches, runs and signals, with links to their pages. */
export function LinkedItems(props: { data: IncidentPageData }) {
  const { links, manage, incident } = props.data;
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
            <h3>{HEADINGS[kind]}</h3>
            {kind === "signal"
              ? <SignalRows signals={items} total={incident.signalCount} />
              : (
                <ul class="plain incident-links" data-kind={kind}>
                  {items.slice(0, SHOWN).map((l) => (
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
                      {manage && (
                        <IntentButton
                          intent="unlink"
                          fields={{ kind, refId: l.id }}
                          label="Unlink"
                          ariaLabel={`Unlink ${kind} ${l.label}`}
                        />
                      )}
                    </li>
                  ))}
                  {items.length > SHOWN && <li class="muted">and {items.length - SHOWN} more</li>}
                </ul>
              )}
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
