import type { fleetSummary } from "@/lib/hosts/fleet.ts";

export type Summary = Awaited<ReturnType<typeof fleetSummary>>;

function Counts(props: { items: [string, number, string?][] }) {
  return (
    <dl class="stat-list">
      {props.items.map(([label, n, href]) => (
        <div key={label} class={`stat stat-${label}`}>
          <dt>{href ? <a href={href}>{label}</a> : label}</dt>
          <dd>{n}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The organization's hosts by heartbeat and posture band, and latest signals by severity.
 * Browser-safe: the live fleet island (`islands/FleetLive.tsx`) renders it too.
 */
export function FleetSummary(props: { summary: Summary }) {
  const { hosts, signals } = props.summary;
  return (
    <section class="cards fleet-summary" aria-label="Fleet summary">
      <article class="card">
        <h2>Fleet posture · all {hosts.total} host{hosts.total === 1 ? "" : "s"}</h2>
        <Counts
          items={(["critical", "elevated", "guarded", "low"] as const).map((band) => [
            band,
            hosts.posture[band],
            `/hosts?band=${band}`,
          ])}
        />
      </article>
      <article class="card">
        <h2>Fleet heartbeat</h2>
        <Counts
          items={(["fresh", "delayed", "stale", "missing"] as const).map((s) => [
            s,
            hosts.heartbeat[s],
          ])}
        />
      </article>
      <article class="card">
        <h2>Signals in latest snapshots</h2>
        <Counts
          items={(["critical", "high", "medium", "low"] as const).map((s) => [s, signals[s]])}
        />
      </article>
    </section>
  );
}
