import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, page, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import type { Host } from "@/lib/hosts/host.ts";
import { getBreach, listBreaches } from "@/lib/breaches/query.ts";
import { rankActionsForSignals } from "@/lib/remediation/catalog/mod.ts";
import { type GuardRefusal, selfLockoutPhrase } from "@/lib/remediation/guard.ts";
import { loadPlanInput } from "@/lib/remediation/plan_input.ts";
import { hostGuardPolicy } from "@/lib/remediation/policy_store.ts";
import { requestRemediation } from "@/lib/remediation/request.ts";
import { listRuns, succeededDryRun } from "@/lib/remediation/runs.ts";
import {
  type ActionChoice,
  actionChoices,
  actionInfo,
  liveRun,
  type PlanView,
  planView,
  RISK_LABELS,
} from "@/lib/ui/remediation.ts";
import {
  type ConsoleProblem,
  consoleProblem,
  consoleUrl,
  defaultValues,
  missingInput,
  type ParamField,
  paramFields,
  paramsOf,
  type ParamValues,
  portChoices,
  readValues,
  valueEntries,
} from "@/lib/ui/remediation_params.ts";
import type { LiveRun } from "@/lib/ui/run_live.ts";
import { flashOf } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { Field, Hidden, SelectField } from "@/components/Field.tsx";
import { Notice } from "@/components/Notice.tsx";
import { GuardList, PlanDetails, RiskBadge } from "@/components/Remediation.tsx";
import { RunOutput, RunState } from "@/components/RunOutput.tsx";
import { Time } from "@/components/HostBadges.tsx";
import RunLive from "@/islands/RunLive.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const FLASH = {
  "dry-run": "Dry-run queued. It runs on the host's next poll; its result appears below.",
};

/** A dry-run of the previewed plan, as the console shows it. */
interface DryRunView {
  id: string;
  state: string;
  createdAt: string;
  finishedAt: string | null;
  live: LiveRun;
}

interface Data {
  host: { id: string; name: string; slug: string };
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

type Ctx = FreshContext<State>;

interface Selection {
  actionId: string | null;
  breachId: string | null;
  /** Values as submitted; null means the action's defaults. */
  values: ParamValues | null;
  /** The values come from a submitted form (else the action's defaults apply). */
  preview: boolean;
}

const text = (v: FormDataEntryValue | null, max = 200) =>
  typeof v === "string" ? v.trim().slice(0, max) : "";

async function breachOf(ctx: Ctx, host: Host, breachId: string | null) {
  if (!breachId) return null;
  const found = await getBreach(ctx.state.services.ledger, host.orgId, breachId);
  return found && found.breach.hostId === host.id ? found.breach : null;
}

async function dryRunsOf(ctx: Ctx, host: Host, planHash: string) {
  const { services } = ctx.state;
  const { policy } = await hostGuardPolicy(
    services.ledger,
    host,
    services.config.remediationToolPrefix,
  );
  const maxAgeMin = policy.knobs.dryRunMaxAgeMin;
  const since = new Date(services.clock.now().getTime() - maxAgeMin * 60_000);
  const [recent, fresh] = await Promise.all([
    listRuns(services.ledger, host.orgId, { hostId: host.id, limit: 100 }),
    succeededDryRun(services.ledger, host.id, planHash, since),
  ]);
  const latest = recent.find((r) => r.mode === "dry-run" && r.planHash === planHash) ?? null;
  const view = async (run: NonNullable<typeof latest>): Promise<DryRunView> => ({
    id: run.id,
    state: run.state,
    createdAt: run.createdAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    live: await liveRun(services, run),
  });
  return {
    latest: latest ? await view(latest) : null,
    fresh: fresh ? await view(fresh) : null,
    maxAgeMin,
  };
}

async function render(
  ctx: Ctx,
  sel: Selection,
  extra: { problem?: ConsoleProblem; execute?: Data["execute"]; flash?: string } = {},
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const { services } = ctx.state;
  const host = await hostOr404(services, auth.org!.id, ctx.params.hostId);
  const breach = await breachOf(ctx, host, sel.breachId);
  const input = await loadPlanInput(services, host);
  const findings = breach ? [breach] : [
    ...await listBreaches(services.ledger, host.orgId, {
      hostId: host.id,
      state: "open",
      limit: 100,
    }),
    ...input.signals,
  ];
  const ranked = rankActionsForSignals(findings);
  const actionId = sel.actionId ?? (breach ? ranked[0]?.actionId ?? null : null);
  const action = actionId ? actionInfo(actionId) : null;
  let problem: ConsoleProblem | null = extra.problem ?? null;
  if (actionId && !action) {
    problem = {
      status: 404,
      errors: { action: `There is no catalog action "${actionId.slice(0, 64)}"; choose one.` },
      rule: "unknown_action",
    };
  }
  const ports = portChoices(input.snapshot);
  const fields = action ? paramFields(action.id, ports) : [];
  const values = action ? sel.values ?? defaultValues(action.id, ports) : {};
  const execute = extra.execute ?? { confirm: "", override: "" };

  let preview: Data["preview"] = null;
  let dryRun: Data["dryRun"] = null;
  if (action && !missingInput(action.id, values)) {
    try {
      const { body } = await requestRemediation(services, auth, clientOf(ctx), {
        hostId: host.id,
        actionId: action.id,
        params: paramsOf(action.id, values),
        mode: "plan",
        ...(execute.override ? { override: execute.override } : {}),
      });
      preview = {
        plan: planView(body.plan),
        executePhrase: body.executePhrase,
        needsApproval: body.needsApproval,
        guard: body.guard,
        overridePhrase: body.guard.some((g) => g.rule === "self_lockout") ||
            problem?.rule === "self_lockout"
          ? selfLockoutPhrase(host.id, body.plan.planHash)
          : null,
      };
      dryRun = await dryRunsOf(ctx, host, body.plan.planHash);
    } catch (error) {
      // The plan cannot be built (bad params, nothing to do): say why, where it belongs.
      problem ??= consoleProblem(error, action.id);
    }
  }
  ctx.state.title = `Remediate ${host.name}`;
  return page<Data>({
    host: { id: host.id, name: host.name, slug: host.slug },
    breach: breach ? { id: breach.id, title: breach.title, code: breach.code } : null,
    choices: actionChoices(ranked),
    action,
    fields,
    values,
    preview,
    dryRun,
    canAct: roleAtLeast(auth.org!.role, "ops"),
    role: auth.org!.role,
    execute,
    problem,
    selfUrl: consoleUrl(host.id, {
      action: action?.id,
      breach: breach?.id,
      values,
      preview: true,
    }),
    flash: extra.flash,
  }, {
    status: problem?.status ?? 200,
    headers: { "cache-control": "no-store" },
  });
}

function selectionOf(url: URL): Selection {
  const q = url.searchParams;
  const actionId = q.get("action")?.trim().slice(0, 64) || null;
  const submitted = q.has("preview");
  return {
    actionId,
    breachId: q.get("breach")?.trim().slice(0, 64) || null,
    values: actionId && submitted ? readValues(actionId, q) : null,
    preview: submitted,
  };
}

export const handler = define.handlers({
  GET(ctx) {
    return render(ctx, selectionOf(ctx.url), { flash: flashOf(ctx.url, FLASH) });
  },
  /** Dry-run and execute (the route policy lets ops and above post). */
  async POST(ctx) {
    const auth = authOf(ctx);
    const { services } = ctx.state;
    const host = await hostOr404(services, auth.org!.id, ctx.params.hostId);
    let form: FormData;
    try {
      form = await ctx.req.formData();
    } catch {
      throw new HttpError(400, "The form could not be read.", { code: "invalid_input" });
    }
    const intent = text(form.get("intent"));
    if (intent !== "dry-run" && intent !== "execute") {
      throw new HttpError(400, "intent: unknown form", { details: { field: "intent" } });
    }
    const actionId = text(form.get("action"), 64);
    const breach = await breachOf(ctx, host, text(form.get("breach"), 64) || null);
    const values = readValues(actionId, form);
    const execute = { confirm: text(form.get("confirm")), override: text(form.get("override")) };
    const sel: Selection = { actionId, breachId: breach?.id ?? null, values, preview: true };
    try {
      const { body } = await requestRemediation(services, auth, clientOf(ctx), {
        hostId: host.id,
        actionId,
        params: paramsOf(actionId, values),
        mode: intent,
        ...(breach ? { breachId: breach.id } : {}),
        ...(intent === "execute"
          ? {
            planHash: text(form.get("planHash"), 64),
            confirm: execute.confirm,
            ...(execute.override ? { override: execute.override } : {}),
          }
          : {}),
      });
      if (intent === "dry-run") {
        return seeOther(
          ctx,
          consoleUrl(host.id, {
            action: actionId,
            breach: breach?.id,
            values,
            preview: true,
            done: "dry-run",
          }),
        );
      }
      return seeOther(ctx, `/remediation/${body.run!.id}?done=requested`);
    } catch (error) {
      return render(ctx, sel, { problem: consoleProblem(error, actionId), execute });
    }
  },
});

/** The action, breach and param values as hidden fields, so a form carries the plan's inputs. */
function PlanInputs(props: { data: Data }) {
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

function ParamInput(props: { field: ParamField; value: string; error?: string }) {
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

function Chooser(props: { data: Data }) {
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

function ParamsForm(props: { data: Data }) {
  const { data } = props;
  const action = data.action!;
  return (
    <section class="card" aria-labelledby="params-title">
      <h2 id="params-title">{action.title}</h2>
      <p>{action.description}</p>
      <p>
        <RiskBadge tier={action.riskTier} />{" "}
        <span class="muted">{action.reversible ? "reversible" : "cannot be undone"}</span>
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

function DryRunSection(props: { data: Data }) {
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

function ExecuteSection(props: { data: Data }) {
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

function ProblemNotice(props: { problem: ConsoleProblem | null }) {
  const p = props.problem;
  if (!p) return null;
  if (!p.message) {
    return (
      <Notice kind="error">
        <p>Check the field marked below: {Object.values(p.errors)[0]}</p>
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

export default define.page<typeof handler>(({ data }) => (
  <>
    <header class="page-header host-header">
      <div>
        <p class="crumbs">
          <a href="/hosts">Hosts</a> › <a href={`/hosts/${data.host.id}`}>{data.host.name}</a>
        </p>
        <h1>Remediate {data.host.name}</h1>
        {data.breach && (
          <p class="muted">
            For breach <a href={`/breaches/${data.breach.id}`}>{data.breach.title}</a>{" "}
            <code>{data.breach.code}</code>
          </p>
        )}
      </div>
    </header>
    {data.flash && <Notice kind="ok">{data.flash}</Notice>}
    <ProblemNotice problem={data.problem} />
    <Chooser data={data} />
    {data.action && <ParamsForm data={data} />}
    {data.preview && (
      <section class="card" aria-labelledby="plan-title" id="plan">
        <h2 id="plan-title">Plan</h2>
        <PlanDetails plan={data.preview.plan}>
          <dt>Approval</dt>
          <dd>
            {data.preview.needsApproval
              ? "a second person must approve an execute"
              : "not needed at this risk"}
          </dd>
        </PlanDetails>
        <h3>Guards</h3>
        <GuardList refusals={data.preview.guard} />
      </section>
    )}
    {data.preview && <DryRunSection data={data} />}
    {data.preview && data.canAct && <ExecuteSection data={data} />}
  </>
));
