import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, type PageResponse } from "@/lib/fresh/mod.ts";
import { formPage } from "@/lib/http/form_page.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import type { Host } from "@/lib/hosts/host.ts";
import { getBreach, listBreaches } from "@/lib/breaches/query.ts";
import { rankActionsForSignals } from "@/lib/remediation/catalog/mod.ts";
import { selfLockoutPhrase } from "@/lib/remediation/guard.ts";
import { loadPlanInput } from "@/lib/remediation/plan_input.ts";
import { hostGuardPolicy } from "@/lib/remediation/policy_store.ts";
import { requestRemediation } from "@/lib/remediation/request.ts";
import { listRuns, succeededDryRun } from "@/lib/remediation/runs.ts";
import { actionChoices, actionInfo, liveRun, planView } from "@/lib/ui/remediation.ts";
import { type ConsoleProblem, consoleProblem } from "@/lib/ui/remediation_problem.ts";
import {
  consoleUrl,
  defaultValues,
  missingInput,
  paramFields,
  paramsOf,
  type ParamValues,
  portChoices,
  readValues,
} from "@/lib/ui/remediation_params.ts";
import { flashOf } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { Notice } from "@/components/Notice.tsx";
import { jobChannelState } from "@/lib/hosts/job_channel_state.ts";
import { GuardList, PlanDetails } from "@/components/Remediation.tsx";
import {
  Chooser,
  type Data,
  DryRunSection,
  type DryRunView,
  ExecuteSection,
  JobChannelNotice,
  ParamsForm,
  ProblemNotice,
} from "./(_components)/RemediateConsole.tsx";

const FLASH = {
  "dry-run": "Dry-run queued. It runs on the host's next poll; its result appears below.",
};

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
    { hostId: host.id, orgId: host.orgId },
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

/** What an empty required field says when the params form is submitted without it. */
const MISSING: Record<string, string> = {
  ip: "give an address or network to block",
  port: "choose a listener to quarantine",
};

/** The submitted form left required fields empty: each is marked, no plan is built. */
function missingProblem(actionId: string, values: ParamValues): ConsoleProblem | null {
  const errors: Record<string, string> = {};
  for (const f of paramFields(actionId, [])) {
    if (f.required && !(values[f.name] ?? "").trim()) {
      errors[f.name] = MISSING[f.name] ?? `give a value for ${f.label.toLowerCase()}`;
    }
  }
  return Object.keys(errors).length > 0 ? { status: 400, errors, rule: "invalid_input" } : null;
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
  // Only a submitted form is told what it lacks; a first visit just shows the empty form.
  if (action && sel.preview && !problem && missingInput(action.id, values)) {
    problem = missingProblem(action.id, values);
  }
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
  return formPage<Data>({
    host: { id: host.id, name: host.name, slug: host.slug },
    jobChannel: jobChannelState(host, services.clock.now()),
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
  }, problem ?? undefined);
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
    <JobChannelNotice channel={data.jobChannel} />
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
