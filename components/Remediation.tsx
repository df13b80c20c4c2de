import type { ComponentChildren } from "preact";
import type { ActionOption } from "@/lib/remediation/catalog/mod.ts";
import type { GuardRefusal } from "@/lib/remediation/guard.ts";
import type { RiskTier } from "@/lib/remediation/types.ts";
import {
  actionTitle,
  type PlanView,
  RISK_LABELS,
  type RunRow,
  type StepView,
} from "@/lib/ui/remediation.ts";
import { consoleUrl } from "@/lib/ui/remediation_params.ts";
import { RunState, When } from "@/components/RunOutput.tsx";
import { Time } from "@/components/HostBadges.tsx";

/** The risk tier as a pill. */
export function RiskBadge(props: { tier: RiskTier }) {
  return (
    <span class={`pill risk-${props.tier}`} data-risk={props.tier}>
      {RISK_LABELS[props.tier] ?? props.tier}
    </span>
  );
}

/** An argv as a list of its elements, each on its own: never joined into a shell string. */
export function Argv(props: { argv: string[]; label: string }) {
  return (
    <ol class="argv" aria-label={props.label}>
      {props.argv.map((arg, i) => (
        <li key={i}>
          <code>{arg}</code>
        </li>
      ))}
    </ol>
  );
}

/** The steps of one list of a plan (execute, dry-run or rollback), argv by argv. */
export function PlanSteps(props: { steps: StepView[]; list: string; empty: string }) {
  if (props.steps.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <ol class="plan-steps" data-steps={props.list}>
      {props.steps.map((s) => (
        <li key={s.id} data-step={s.id}>
          <p class="step-head">
            <code class="step-id">{s.id}</code>{" "}
            <span class="muted small">
              timeout {Math.round(s.timeoutMs / 1000)} s{s.allowFailure ? " · may fail" : ""}
            </span>
          </p>
          <Argv argv={s.argv} label={`argv of ${props.list} step ${s.id}`} />
        </li>
      ))}
    </ol>
  );
}

/** The guard refusals an execute would meet, each with its rule's name. */
export function GuardList(props: { refusals: GuardRefusal[] }) {
  if (props.refusals.length === 0) {
    return <p class="guard-clear">No guard would refuse an execute of this plan now.</p>;
  }
  return (
    <>
      <p>An execute now would be refused by:</p>
      <ul class="guard-list">
        {props.refusals.map((r, i) => (
          <li key={`${r.rule}-${i}`} data-rule={r.rule}>
            <code class="rule">{r.rule}</code> <span class="wrap">{r.message}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

/**
 * Runs as a table: what, where, state, who asked, when; `actions` adds a cell of buttons per row.
 */
export function RunsTable(
  props: {
    rows: RunRow[];
    caption: string;
    showHost?: boolean;
    empty: string;
    actions?: (row: RunRow) => ComponentChildren;
    id?: string;
  },
) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={`${props.caption} table`}>
      <table class="runs" id={props.id}>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            {props.showHost && <th scope="col">Host</th>}
            <th scope="col">Mode</th>
            <th scope="col">State</th>
            <th scope="col">Requested</th>
            <th scope="col">Finished</th>
            {props.actions && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.id} data-run={r.id} data-state={r.state}>
              <th scope="row">
                <a href={`/remediation/${r.id}`}>{actionTitle(r.actionId)}</a>
                <code class="host-slug" data-action-id>{r.actionId}</code>
                <code class="host-slug">{r.planHash8}</code>
              </th>
              {props.showHost && (
                <td>
                  <a href={`/hosts/${r.hostId}`}>{r.hostName}</a>
                </td>
              )}
              <td>{r.mode}</td>
              <td>
                <RunState state={r.state} />
                {r.deadLetterReason && <span class="host-slug wrap">{r.deadLetterReason}</span>}
              </td>
              <td class="nowrap">
                <Time iso={r.createdAt} />
                <span class="host-slug">{r.requestedBy}</span>
              </td>
              <td class="nowrap">
                <When iso={r.finishedAt} />
              </td>
              {props.actions && <td class="run-actions">{props.actions(r)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The host page's remediation section: ranked response options and the latest runs. */
export function HostRemediationSection(
  props: { hostId: string; options: ActionOption[]; runs: RunRow[] },
) {
  return (
    <section class="card" aria-labelledby="remediation-title" id="remediation">
      <div class="section-head">
        <h2 id="remediation-title">Remediation</h2>
        <a href={consoleUrl(props.hostId)}>Open the remediation console</a>
      </div>
      <h3>Suggested responses</h3>
      {props.options.length === 0
        ? <p class="muted">No catalog action addresses this host's open findings.</p>
        : (
          <ol class="plain options">
            {props.options.map((o) => (
              <li key={o.actionId} data-action={o.actionId}>
                <a href={consoleUrl(props.hostId, { action: o.actionId })}>{o.title}</a>{" "}
                <RiskBadge tier={o.riskTier} /> <span class="muted">{o.reason}</span>
              </li>
            ))}
          </ol>
        )}
      <h3>Runs</h3>
      <RunsTable
        rows={props.runs}
        caption="Latest remediation runs of this host, newest first"
        empty="No remediation has run on this host."
        id="host-runs"
      />
    </section>
  );
}

function Targets(props: { targets: PlanView["targets"] }) {
  const t = props.targets;
  const parts: [string, string[]][] = [
    ["ports", t.ports ?? []],
    ["addresses", t.ips ?? []],
    ["units", t.units ?? []],
    ["pids", (t.pids ?? []).map(String)],
  ];
  const shown = parts.filter(([, v]) => v.length > 0);
  if (shown.length === 0 && !t.durationSec) return <span class="muted">none named</span>;
  return (
    <ul class="plain">
      {shown.map(([label, values]) => (
        <li key={label}>
          {label}: {values.map((v, i) => (
            <span key={v}>
              {i > 0 && ", "}
              <code>{v}</code>
            </span>
          ))}
        </li>
      ))}
      {t.durationSec ? <li>for {formatDuration(t.durationSec)}</li> : null}
    </ul>
  );
}

/** `900` → `15 min`, `86400` → `24 h`. */
export function formatDuration(sec: number): string {
  if (sec % 86_400 === 0 && sec >= 7 * 86_400) return `${sec / 86_400} d`;
  if (sec % 3_600 === 0) return `${sec / 3_600} h`;
  if (sec % 60 === 0) return `${sec / 60} min`;
  return `${sec} s`;
}

/**
 * A plan in full: summary, risk, reversibility and confirm window, targets, hash, then every
 * execute, dry-run and rollback step with its argv.
 */
export function PlanDetails(
  props: { plan: PlanView; headingLevel?: 3 | 4; children?: ComponentChildren },
) {
  const p = props.plan;
  const H = props.headingLevel === 4 ? "h4" : "h3";
  return (
    <div class="plan" data-plan-hash={p.planHash}>
      <p class="plan-summary">{p.summary}</p>
      <dl class="facts">
        <dt>Action</dt>
        <dd>
          <code>{p.actionId}</code> v{p.actionVersion}
        </dd>
        <dt>Risk</dt>
        <dd>
          <RiskBadge tier={p.riskTier} />
        </dd>
        <dt>Reversible</dt>
        <dd>
          {p.reversible
            ? `yes: rolled back unless a healthy snapshot confirms it within ${
              formatDuration(p.confirmWindowSec ?? 600)
            }`
            : "no"}
        </dd>
        <dt>Targets</dt>
        <dd>
          <Targets targets={p.targets} />
        </dd>
        <dt>Plan hash</dt>
        <dd class="wrap">
          <code class="plan-hash">{p.planHash}</code>
        </dd>
        {props.children}
      </dl>
      <H>Execute steps</H>
      <PlanSteps steps={p.steps} list="execute" empty="No execute steps." />
      <H>Dry-run steps</H>
      <PlanSteps steps={p.dryRunSteps} list="dry-run" empty="No dry-run steps." />
      <H>Rollback steps</H>
      <PlanSteps
        steps={p.rollbackSteps}
        list="rollback"
        empty={p.reversible ? "No rollback steps." : "None: this plan cannot be undone."}
      />
    </div>
  );
}
