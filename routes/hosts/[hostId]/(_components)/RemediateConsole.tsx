/**
 * The parts of the host remediation console (`routes/hosts/[hostId]/remediate.tsx`): the action
 * chooser, the params form, the dry-run and execute sections and the problem notice.
 *
 * @module
 */
import { type GuardRefusal } from "@/lib/remediation/guard.ts";
import { type ActionChoice, type PlanView, RISK_LABELS } from "@/lib/ui/remediation.ts";
import type { ConsoleProblem } from "@/lib/ui/remediation_problem.ts";
import {
  consoleUrl,
  type ParamField,
  type ParamValues,
  valueEntries,
} from "@/lib/ui/remediation_params.ts";
import type { LiveRun } from "@/lib/ui/run_live.ts";
import { Field, Hidden, SelectField } from "@/components/Field.tsx";
import { Notice } from "@/components/Notice.tsx";
import type { JobChannelState } from "@/lib/hosts/job_channel_state.ts";
import { RiskBadge } from "@/components/Remediation.tsx";
import { RunOutput, RunState } from "@/components/RunOutput.tsx";
import { Time } from "@/components/HostBadges.tsx";
import RunLive from "@/islands/RunLive.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

/** A dry-run of the previewed plan, as the console shows it. */
export interface DryRunView {
  id: string;
  state: string;
  createdAt: string;
  finishedAt: string | null;
  live: LiveRun;
}

/** What the console page renders. */
export interface Data {
  host: { id: string; name: string; slug: string };
  /** Whether the host runner polls for jobs (agent-protocol Part 5). */
  jobChannel: JobChannelState;
  breach: { id: string; title: string; code: string } | null;
  choices: ActionChoice[];
  action: ActionChoice | null;
  fields: ParamField[];
  values: ParamValues;
  preview: {
    plan: PlanView;
    executePhrase: string;
    needsApproval: boolean;
    guard: GuardRefusal[];
    /** The self-lockout override phrase, when the guard asks for one. */
    overridePhrase: string | null;
  } | null;
  /** The newest dry-run of the previewed plan, and the newest succeeded one still fresh. */
  dryRun: { latest: DryRunView | null; fresh: DryRunView | null; maxAgeMin: number } | null;
  /** Ops and above dry-run and execute. */
  canAct: boolean;
  role: string;
  execute: { confirm: string; override: string };
  problem: ConsoleProblem | null;
  /** This console with the current values, previewed (for links back after a result). */
  selfUrl: string;
  flash?: string;
}

/** The action, breach and param values as hidden fields, so a form carries the plan's inputs. */
export function PlanInputs(props: { data: Data }) {
  const { action, breach, values } = props.data;
  if (!action) return null;
  return (
    <>
      <Hidden name="action" value={action.id} />
      {breach && <Hidden name="breach" value={breach.id} />}
      {valueEntries(action.id, values).map(([name, value], i) => (
        <Hidden key={`${name}-${i}`} name={name} value={value} />
      ))}
    </>
  );
}

export function ParamInput(props: { field: ParamField; value: string; error?: string }) {
  const { field, value, error } = props;
  const id = `p-${field.name}`;
  const labelled = { id, name: field.name, label: field.label, hint: field.hint, error };
  if (field.kind === "text") {
    return (
      <Field
        {...labelled}
        value={value}
        required={field.required}
        maxLength={field.maxLength}
        inputmode={field.inputmode}
        autocomplete="off"
      />
    );
  }
  if (field.kind === "select") {
    return (
      <SelectField
        {...labelled}
        options={field.options ?? []}
        value={value}
        required={field.required}
      />
    );
  }
  // Checkboxes: their own markup, tied to the hint and error as `Field` ties its input.
  const describedBy = [field.hint ? `${id}-hint` : "", error ? `${id}-error` : ""]
    .filter(Boolean).join(" ") || undefined;
  const hint = field.hint && <p id={`${id}-hint`} class="field-hint">{field.hint}</p>;
  const errorText = error && <p id={`${id}-error`} class="field-error">{error}</p>;
  if (field.kind === "checkbox") {
    return (
      <div class={error ? "check field-invalid" : "check"}>
        <input
          type="checkbox"
          id={id}
          name={field.name}
          checked={value === "on"}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={describedBy}
        />
        <label for={id}>{field.label}</label>
        {hint}
        {errorText}
      </div>
    );
  }
  // ports: one checkbox per unexpected public port.
  const checked = new Set(value.split(",").filter(Boolean));
  const options = field.options ?? [];
  return (
    <fieldset class={error ? "field-invalid" : undefined} aria-describedby={describedBy}>
      <legend>{field.label}</legend>
      {hint}
      {options.length === 0
        ? <p class="muted">The latest snapshot names no unexpected public port.</p>
        : options.map(([spec, label], i) => (
          <div class="check" key={spec}>
            <input
              type="checkbox"
              id={`${id}-${i}`}
              name={field.name}
              value={spec}
              checked={checked.has(spec)}
            />
            <label for={`${id}-${i}`}>{label}</label>
          </div>
        ))}
      {errorText}
    </fieldset>
  );
}

export function Chooser(props: { data: Data }) {
  const { data } = props;
  const suggested = data.choices.filter((c) => c.reason);
  return (
    <section class="card" aria-labelledby="choose-title">
      <h2 id="choose-title">Action</h2>
      <form method="get" class="form-inline chooser">
        {data.breach && <Hidden name="breach" value={data.breach.id} />}
        <label for="f-action">Catalog action</label>
        <select
          id="f-action"
          name="action"
          aria-invalid={data.problem?.errors.action ? "true" : undefined}
          aria-describedby={data.problem?.errors.action ? "f-action-error" : undefined}
        >
          {!data.action && <option value="">Choose an action…</option>}
          {data.choices.map((c) => (
            <option key={c.id} value={c.id} selected={c.id === data.action?.id}>
              {c.title} — {RISK_LABELS[c.riskTier]}
              {c.reason ? " (suggested)" : ""}
            </option>
          ))}
        </select>
        <SubmitButton label="Choose" pendingLabel="Loading…" />
      </form>
      {data.problem?.errors.action && (
        <p id="f-action-error" class="field-error">{data.problem.errors.action}</p>
      )}
      {suggested.length > 0 && (
        <>
          <h3>
            Suggested for {data.breach ? "this breach" : "this host's open findings"}
          </h3>
          <ol class="plain options">
            {suggested.map((c) => (
              <li key={c.id} data-action={c.id}>
                <a
                  href={consoleUrl(data.host.id, { action: c.id, breach: data.breach?.id })}
                  aria-current={c.id === data.action?.id ? "true" : undefined}
                >
                  {c.title}
                </a>{" "}
                <RiskBadge tier={c.riskTier} /> <span class="muted">{c.reason}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/**
 * Whether the chosen action can be undone: the previewed plan's answer when there is one; before
 * a preview, an action whose params choose a method (quarantine: stop the unit, reversible, or
 * kill the process, not) says it depends on the method.
 */
function reversibility(data: Data): string {
  if (data.preview) {
    return data.preview.plan.reversible ? "reversible (this plan)" : "this plan cannot be undone";
  }
  if (!data.action!.reversible) return "cannot be undone";
  return data.fields.some((f) => f.name === "method")
    ? "reversible depending on the method"
    : "reversible";
}

export function ParamsForm(props: { data: Data }) {
  const { data } = props;
  const action = data.action!;
  return (
    <section class="card" aria-labelledby="params-title">
      <h2 id="params-title">{action.title}</h2>
      <p>{action.description}</p>
      <p>
        <RiskBadge tier={action.riskTier} />{" "}
        <span class="muted" data-reversibility>{reversibility(data)}</span>
      </p>
      <form method="get" class="form rem-form" id="params-form">
        <Hidden name="action" value={action.id} />
        {data.breach && <Hidden name="breach" value={data.breach.id} />}
        <Hidden name="preview" value="1" />
        {data.fields.length === 0 && <p class="muted">This action takes no parameters.</p>}
        {data.fields.map((f) => (
          <ParamInput
            key={f.name}
            field={f}
            value={data.values[f.name] ?? ""}
            error={data.problem?.errors[f.name]}
          />
        ))}
        <SubmitButton label="Preview plan" pendingLabel="Planning…" />
      </form>
    </section>
  );
}

export function DryRunSection(props: { data: Data }) {
  const { data } = props;
  const preview = data.preview!;
  const info = data.dryRun!;
  const latest = info.latest;
  const fresh = info.fresh;
  const pending = latest && !latest.live.settled;
  return (
    <section class="card" aria-labelledby="dry-run-title" id="dry-run">
      <h2 id="dry-run-title">Dry-run</h2>
      <p class="muted">
        The dry-run steps run on the host in check mode and change nothing. An execute needs a
        dry-run of this exact plan (<code>{preview.plan.planHash.slice(0, 8)}</code>) that succeeded
        within {info.maxAgeMin} minutes.
      </p>
      {pending && latest && (
        <div class="dry-run-pending" data-run={latest.id}>
          <p>
            Dry-run <a href={`/remediation/${latest.id}`}>{latest.id}</a>, requested{" "}
            <Time iso={latest.createdAt} />:
          </p>
          <RunLive
            initial={latest.live}
            continueHref={data.selfUrl}
            continueLabel="Show the result"
            idPrefix="dry-run-job"
          />
        </div>
      )}
      {!pending && fresh && (
        <div class="dry-run-result" data-run={fresh.id} data-state="succeeded">
          <p>
            <RunState state="succeeded" /> Dry-run{" "}
            <a href={`/remediation/${fresh.id}`}>{fresh.id}</a> succeeded{" "}
            <Time iso={fresh.finishedAt} />. Its output:
          </p>
          <RunOutput jobs={fresh.live.jobs} idPrefix="dry-run-job" />
        </div>
      )}
      {!pending && latest && latest.id !== fresh?.id && (
        <div class="dry-run-result" data-run={latest.id} data-state={latest.state}>
          <p>
            <RunState state={latest.state} /> The latest dry-run of this plan,{" "}
            <a href={`/remediation/${latest.id}`}>{latest.id}</a>, {latest.state === "succeeded"
              ? "is too old to allow an execute."
              : `ended ${latest.state}.`}
          </p>
          <RunOutput jobs={latest.live.jobs} idPrefix="dry-run-last-job" />
        </div>
      )}
      {!latest && (
        <p>
          No dry-run of this plan yet.{data.canAct &&
            " Start one: the host reports what it would change, without changing anything."}
        </p>
      )}
      {data.canAct
        ? (
          <form method="post" class="form-inline" id="dry-run-form">
            <Hidden name="intent" value="dry-run" />
            <PlanInputs data={data} />
            <SubmitButton
              label={latest ? "Dry-run again" : "Dry-run"}
              pendingLabel="Queuing…"
              class={fresh ? undefined : "button-primary"}
            />
          </form>
        )
        : <p class="muted">Dry-runs and executes need the ops role; you are {data.role}.</p>}
    </section>
  );
}

export function ExecuteSection(props: { data: Data }) {
  const { data } = props;
  const preview = data.preview!;
  const errors = data.problem?.errors ?? {};
  if (!data.dryRun?.fresh) {
    return (
      <section class="card" aria-labelledby="execute-title" id="execute">
        <h2 id="execute-title">Execute</h2>
        <p>
          Execute unlocks once a dry-run of this plan has succeeded (within{" "}
          {data.dryRun?.maxAgeMin ?? 30} minutes).
        </p>
      </section>
    );
  }
  return (
    <section class="card danger-zone" aria-labelledby="execute-title" id="execute">
      <h2 id="execute-title">Execute</h2>
      {preview.needsApproval && (
        <p>
          This plan needs a second person's approval (two-person rule): it waits in the queue until
          another operator approves it.
        </p>
      )}
      <form method="post" class="form rem-form" id="execute-form">
        <Hidden name="intent" value="execute" />
        <Hidden name="planHash" value={preview.plan.planHash} />
        <PlanInputs data={data} />
        <Field
          id="f-confirm"
          name="confirm"
          label="Confirmation"
          value={data.execute.confirm}
          error={errors.confirm}
          required
          maxLength={200}
          autocomplete="off"
          hint={
            <>
              Type <code class="phrase" id="execute-phrase">{preview.executePhrase}</code> exactly.
            </>
          }
        />
        {(preview.overridePhrase || errors.override) && (
          <Field
            id="f-override"
            name="override"
            label="Self-lockout override"
            value={data.execute.override}
            error={errors.override}
            maxLength={200}
            autocomplete="off"
            hint={
              <>
                The guard says this plan could lock you or a live SSH session out. Only if that is
                intended, type{" "}
                <code class="phrase" id="override-phrase">{preview.overridePhrase}</code>.
              </>
            }
          />
        )}
        <SubmitButton label="Execute" pendingLabel="Requesting…" class="button-danger" />
      </form>
    </section>
  );
}

/** Jobs reach the host only through its runner's polls: say so when it is not polling. */
export function JobChannelNotice(props: { channel: JobChannelState }) {
  const { connected, lastPollAt } = props.channel;
  if (connected) return null;
  return (
    <Notice kind="info">
      {lastPollAt === null ? "No host runner has polled for jobs yet: " : (
        <>
          The host runner last polled for jobs <Time iso={lastPollAt} />:{" "}
        </>
      )}
      dry runs and executions wait in the queue until it connects. Enroll it from the host page.
    </Notice>
  );
}

export function ProblemNotice(props: { problem: ConsoleProblem | null }) {
  const p = props.problem;
  if (!p) return null;
  if (!p.message) {
    return (
      <Notice kind="error">
        <p>
          {Object.keys(p.errors).length > 1
            ? "Check the fields marked below."
            : "Check the field marked below."}
        </p>
      </Notice>
    );
  }
  return (
    <Notice kind="error">
      <p>
        <strong>Refused</strong>
        {p.rule && (
          <>
            {" "}(rule <code class="rule" data-rule={p.rule}>{p.rule}</code>)
          </>
        )}: {p.message}
      </p>
      {p.refusals && p.refusals.length > 1 && (
        <ul>
          {p.refusals.slice(1).map((r, i) => (
            <li key={i}>
              <code>{r.rule}</code> {r.message}
            </li>
          ))}
        </ul>
      )}
    </Notice>
  );
}
