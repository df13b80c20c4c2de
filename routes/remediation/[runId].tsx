import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf } from "@/lib/auth/http.ts";
import { requestActor } from "@/lib/auth/request_audit.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { catalogAction } from "@/lib/remediation/catalog/mod.ts";
import { decideRun, replayRuns, type RunDecision } from "@/lib/remediation/lifecycle.ts";
import { getOrgRun, type Run } from "@/lib/remediation/runs.ts";
import { getHost } from "@/lib/hosts/registry.ts";
import { getBreach } from "@/lib/breaches/query.ts";
import { jobChannelState } from "@/lib/hosts/job_channel_state.ts";
import { formPage, formPageHandlers } from "@/lib/http/form_page.ts";
import { type FormProblem, formProblem, parseValues } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { liveRun, type PlanView, planView } from "@/lib/ui/remediation.ts";
import { userLabels } from "@/lib/ui/user_labels.ts";
import type { LiveRun } from "@/lib/ui/run_live.ts";
import type { State } from "@/lib/state.ts";
import { ActionForm, type ActionFormProps } from "@/components/ActionForm.tsx";
import { Field } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { PlanDetails } from "@/components/Remediation.tsx";
import { shortUtc, Time } from "@/components/HostBadges.tsx";
import RunLive from "@/islands/RunLive.tsx";

const FLASH = {
  requested: "Execute requested.",
  approved: "Run approved: it is queued for the host.",
  rejected: "Run rejected.",
  canceled: "Run canceled.",
  replayed: "Run replayed: it is queued again.",
};

interface Data {
  run: {
    id: string;
    hostId: string;
    hostName: string;
    actionId: string;
    actionTitle: string;
    mode: Run["mode"];
    state: Run["state"];
    breachId: string | null;
    /** The breach's title (its id when the breach is gone). */
    breachTitle: string | null;
    needsApproval: boolean;
    requestedBy: string;
    requestedIp: string | null;
    createdAt: string;
    expiresAt: string;
    attempts: number;
    decidedBy: string | null;
    decidedAt: string | null;
    decisionReason: string | null;
  };
  /**
   * Set while the run waits in the queue or is handed out (queued, dispatched) and the host's
   * runner is not polling for jobs: its latest poll (ISO), null if it never polled.
   */
  waitingForRunner: { lastPollAt: string | null } | null;
  plan: PlanView;
  live: LiveRun;
  /** Ops and above decide, cancel and replay. */
  canAct: boolean;
  /** The viewer requested this run (and so cannot approve it). */
  isRequester: boolean;
  /** The reason form that failed, with what was typed. */
  failed?: { intent: string; reason: string; error?: string };
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

/** States the queue TTL still applies to (lib/remediation/lifecycle.ts expires only these). */
const EXPIRABLE: readonly Run["state"][] = ["queued", "awaiting-approval"];

async function runOr404(ctx: Ctx): Promise<Run> {
  const run = await getOrgRun(ctx.state.services.ledger, authOf(ctx).org!.id, ctx.params.runId);
  if (!run) throw new HttpError(404, "No such remediation run.", { code: "run_not_found" });
  return run;
}

async function render(
  ctx: Ctx,
  extra: Pick<Data, "failed" | "flash"> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const { services } = ctx.state;
  const run = await runOr404(ctx);
  const [host, users, live, breach] = await Promise.all([
    getHost(services.ledger, run.orgId, run.hostId),
    userLabels(services, [run.requestedBy, run.decidedBy]),
    liveRun(services, run),
    run.breachId ? getBreach(services.ledger, run.orgId, run.breachId) : null,
  ]);
  const title = catalogAction(run.actionId)?.title ?? run.actionId;
  const hostName = host?.name ?? run.hostId;
  const channel = host ? jobChannelState(host, services.clock.now()) : null;
  const waiting = (run.state === "queued" || run.state === "dispatched") && channel !== null &&
    !channel.connected;
  ctx.state.title = `${title} on ${hostName}`;
  return formPage<Data>({
    run: {
      id: run.id,
      hostId: run.hostId,
      hostName,
      actionId: run.actionId,
      actionTitle: title,
      mode: run.mode,
      state: run.state,
      breachId: run.breachId,
      breachTitle: run.breachId ? breach?.breach.title ?? run.breachId : null,
      needsApproval: run.needsApproval,
      requestedBy: users.get(run.requestedBy) ?? run.requestedBy,
      requestedIp: run.requestedIp,
      createdAt: run.createdAt.toISOString(),
      expiresAt: run.expiresAt.toISOString(),
      attempts: run.attempts,
      decidedBy: run.decidedBy ? users.get(run.decidedBy) ?? run.decidedBy : null,
      decidedAt: run.decidedAt?.toISOString() ?? null,
      decisionReason: run.decisionReason,
    },
    waitingForRunner: waiting ? { lastPollAt: channel!.lastPollAt } : null,
    plan: planView(run.plan),
    live,
    canAct: roleAtLeast(auth.org!.role, "ops"),
    isRequester: run.requestedBy === auth.user.id,
    ...extra,
    message: problem ? problem.message ?? Object.values(problem.errors)[0] : undefined,
  }, problem);
}

const Reason = z.object({ reason: z.string().trim().max(500).optional() });

const DONE: Record<RunDecision, keyof typeof FLASH> = {
  approve: "approved",
  reject: "rejected",
  cancel: "canceled",
};

function decision(kind: RunDecision) {
  return async (ctx: Ctx, values: Record<string, string>) => {
    const reason = (values.reason ?? "").slice(0, 500);
    const parsed = parseValues(Reason, values);
    if (!parsed.ok) {
      return render(
        ctx,
        { failed: { intent: kind, reason, error: parsed.problem.errors.reason } },
        parsed.problem,
      );
    }
    const auth = authOf(ctx);
    const run = await runOr404(ctx);
    try {
      await decideRun(ctx.state.services, {
        orgId: auth.org!.id,
        runId: run.id,
        decision: kind,
        userId: auth.user.id,
        actor: requestActor(ctx.state),
        reason: parsed.data.reason || null,
      });
    } catch (error) {
      return render(ctx, { failed: { intent: kind, reason } }, formProblem(error));
    }
    return seeOther(ctx, `/remediation/${run.id}?done=${DONE[kind]}`);
  };
}

const INTENTS = {
  approve: decision("approve"),
  reject: decision("reject"),
  cancel: decision("cancel"),
  async replay(ctx: Ctx) {
    const auth = authOf(ctx);
    const run = await runOr404(ctx);
    const replayed = await replayRuns(ctx.state.services, {
      orgId: auth.org!.id,
      runIds: [run.id],
      actor: requestActor(ctx.state),
    });
    if (replayed.length === 0) {
      return render(ctx, {}, {
        status: 409,
        errors: {},
        message: `The run is ${run.state}; only a dead-lettered run can be replayed.`,
      });
    }
    return seeOther(ctx, `/remediation/${run.id}?done=replayed`);
  },
};

export const handler = define.handlers(
  formPageHandlers({ render, flash: FLASH, find: runOr404, intents: INTENTS }),
);

function ReasonForm(
  props: { intent: RunDecision; label: string; failed?: Data["failed"]; danger?: boolean },
) {
  const failed = props.failed?.intent === props.intent ? props.failed : undefined;
  return (
    <DecisionForm
      intent={props.intent}
      submit={props.label}
      pending="Sending…"
      buttonClass={props.danger ? "button-danger" : "button-primary"}
    >
      <Field
        id={`${props.intent}-reason`}
        name="reason"
        label={`Reason (optional)`}
        value={failed?.reason}
        error={failed?.error}
        maxLength={500}
      />
    </DecisionForm>
  );
}

/** A form of the Decide card, found by its intent (`data-intent`). */
function DecisionForm(props: Omit<ActionFormProps, "class" | "attrs">) {
  return (
    <ActionForm
      class="form rem-form run-decision"
      attrs={{ "data-intent": props.intent }}
      {...props}
    />
  );
}

function Decisions(props: { data: Data }) {
  const { data } = props;
  const { state } = data.run;
  const awaiting = state === "awaiting-approval";
  const cancellable = ["queued", "awaiting-approval", "dispatched", "dead-letter"].includes(state);
  if (!awaiting && !cancellable) return null;
  return (
    <section class="card" aria-labelledby="decide-title" id="decide">
      <h2 id="decide-title">Decide</h2>
      {!data.canAct && (
        <p class="muted">Approving, rejecting and canceling runs needs the ops role.</p>
      )}
      {data.canAct && (
        <div class="breach-actions">
          {awaiting && (data.isRequester
            ? (
              <p class="approval-blocked" id="approval-blocked">
                You requested this run, so you cannot approve it: a different person must
                (two-person rule).
              </p>
            )
            : <ReasonForm intent="approve" label="Approve" failed={data.failed} />)}
          {awaiting && <ReasonForm intent="reject" label="Reject" failed={data.failed} danger />}
          {!awaiting && cancellable && (
            <ReasonForm intent="cancel" label="Cancel run" failed={data.failed} danger />
          )}
          {state === "dead-letter" && (
            <DecisionForm
              intent="replay"
              submit="Replay"
              pending="Replaying…"
              buttonClass="button-primary"
            >
              <p>Dispatch kept failing; put the run back in the queue.</p>
            </DecisionForm>
          )}
        </div>
      )}
    </section>
  );
}

/** " · 2 dispatch attempts" (nothing before the first). */
function Attempts(props: { n: number }) {
  if (props.n <= 0) return null;
  return (
    <span class="muted">
      {` · ${props.n} dispatch ${props.n === 1 ? "attempt" : "attempts"}`}
    </span>
  );
}

/** The approval line as of now (the live view keeps it current while the run waits). */
function approvalText(r: Data["run"]): string {
  if (r.decidedBy) {
    const verb = r.state === "canceled" ? "rejected or canceled" : "approved";
    return `${verb} by ${r.decidedBy}, ${shortUtc(r.decidedAt!)}` +
      (r.decisionReason ? ` — ${r.decisionReason}` : "");
  }
  if (!r.needsApproval) return "not needed at this risk";
  return r.state === "awaiting-approval"
    ? "awaiting a second person (two-person rule)"
    : "never given (the run ended first)";
}

export default define.page<typeof handler>(({ data }) => {
  const r = data.run;
  return (
    <>
      <header class="page-header host-header">
        <div>
          <p class="crumbs">
            {data.canAct && (
              <>
                <a href="/remediation">Remediation</a> ›{" "}
              </>
            )}
            <a href={`/hosts/${r.hostId}`}>{r.hostName}</a>
          </p>
          <h1>
            {r.actionTitle} <span class="muted">({r.mode})</span>
          </h1>
          <p class="muted">
            Run <code>{r.id}</code> on <a href={`/hosts/${r.hostId}`}>{r.hostName}</a>
            {r.breachId && (
              <>
                {" "}for breach <a href={`/breaches/${r.breachId}`}>{r.breachTitle}</a>
              </>
            )}
          </p>
        </div>
      </header>
      <Messages flash={data.flash} message={data.message} />
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <dl class="facts run-request">
          <dt>Requested</dt>
          <dd>
            by <strong>{r.requestedBy}</strong>, <Time iso={r.createdAt} />
            {r.requestedIp && <span class="muted">{` from ${r.requestedIp}`}</span>}
          </dd>
          {EXPIRABLE.includes(r.state)
            ? (
              <>
                <dt>Queue expiry</dt>
                <dd>
                  <Time iso={r.expiresAt} />
                  <Attempts n={r.attempts} />
                </dd>
              </>
            )
            : r.attempts > 0 && (
              <>
                <dt>Queue</dt>
                <dd>
                  left the queue
                  <Attempts n={r.attempts} />
                </dd>
              </>
            )}
          {data.waitingForRunner && (
            <>
              <dt>Host runner</dt>
              <dd class="wrap" data-runner-waiting>
                waiting for the host runner to poll (last poll:{" "}
                <Time iso={data.waitingForRunner.lastPollAt} empty="never" />)
              </dd>
            </>
          )}
        </dl>
        <RunLive
          initial={data.live}
          approval={approvalText(r)}
          actionsBelow={data.canAct && ["queued", "awaiting-approval", "dispatched", "dead-letter"]
            .includes(r.state)}
        />
      </section>
      <Decisions data={data} />
      <section class="card" aria-labelledby="plan-title">
        <h2 id="plan-title">Plan</h2>
        <PlanDetails plan={data.plan} />
      </section>
    </>
  );
});
