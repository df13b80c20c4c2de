import { define } from "@/lib/define.ts";
import { page } from "@/lib/fresh/mod.ts";
import { loadSystemOverview } from "@/lib/ops/overview.ts";
import { CheckList } from "@/components/CheckList.tsx";
import RelativeTime from "@/islands/RelativeTime.tsx";
import { Time } from "@/components/HostBadges.tsx";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "Overview";
    return page(await loadSystemOverview(ctx.state.services));
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <header class="page-header">
      <h1>Control plane</h1>
      <p class={data.readiness.ok ? "badge badge-ok" : "badge badge-bad"} role="status">
        {data.readiness.ok ? "Ready" : "Not ready"}
      </p>
    </header>
    <section class="cards" aria-label="System">
      <article class="card">
        <h2>Stores</h2>
        <CheckList checks={data.readiness.checks} />
      </article>
      <article class="card">
        <h2>Scheduler</h2>
        {data.heartbeat
          ? (
            <p>
              Last heartbeat <RelativeTime iso={data.heartbeat} now={data.now} />
            </p>
          )
          : <p>No heartbeat yet: the scheduler records one every minute after start-up.</p>}
        <dl class="facts">
          <dt>Ledger</dt>
          <dd>{data.ledgerDialect === "postgres" ? "PostgreSQL" : "SQLite (embedded)"}</dd>
          <dt>Schema</dt>
          <dd>
            {data.migrations.pending.length === 0
              ? `${data.migrations.known} of ${data.migrations.known} migrations applied`
              : `pending: ${data.migrations.pending.join(", ")}`}
          </dd>
          <dt>Build</dt>
          <dd>
            <code>{state.buildId}</code>
          </dd>
        </dl>
      </article>
    </section>
    <section class="card" aria-labelledby="runs-title">
      <h2 id="runs-title">Recent scheduled runs</h2>
      {data.cronRuns.length === 0
        ? <p>No scheduled job has run yet. The first heartbeat runs within a minute.</p>
        : (
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {data.cronRuns.map((run) => (
                <tr key={run.id}>
                  <td>{run.name}</td>
                  <td>
                    <Time iso={run.startedAt} />
                  </td>
                  <td>{run.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  </>
));
