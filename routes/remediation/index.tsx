import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, type PageResponse } from "@/lib/fresh/mod.ts";
import { formPage, formPageHandlers } from "@/lib/http/form_page.ts";
import { authOf } from "@/lib/auth/http.ts";
import { auditRequest, requestActor } from "@/lib/auth/request_audit.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import {
  decideRun,
  drainQueue,
  replayRuns,
  type RunDecision,
} from "@/lib/remediation/lifecycle.ts";
import { FINAL_RUN_STATES, listRuns, type RunState } from "@/lib/remediation/runs.ts";
import { type FormProblem, formProblem, parseValues } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { type RunRow, runRows } from "@/lib/ui/remediation.ts";
import { getOrgPolicy } from "@/lib/remediation/policy_store.ts";
import { policyView } from "@/lib/ui/remediation_policy.ts";
import type { State } from "@/lib/state.ts";
import { IntentButton } from "@/components/IntentButton.tsx";
import { Messages } from "@/components/Notice.tsx";
import { PolicyCard, type PolicyView } from "@/components/RemediationPolicy.tsx";
import { ApproveFacts, approveQuestion, RunButton, RunQueue } from "./(_components)/RunQueue.tsx";

const FLASH = {
  approved: "Run approved: it is queued for the host.",
  rejected: "Run rejected.",
  canceled: "Run canceled.",
  replayed: "Dead-lettered run replayed: it is queued again.",
  replayed_all: "Every dead-lettered run was replayed.",
  drained: "Queue drained: every queued run was sent to its host.",
  frozen: "Remediation frozen: no execute runs until the freeze is lifted.",
  unfrozen: "Freeze lifted: executes run again when the guards allow them.",
  policy: "Remediation policy saved.",
};

/** Rows of each list. */
const LIST_ROWS = 50;
const RECENT_ROWS = 20;

interface Data {
  awaiting: RunRow[];
  /** Whether each awaiting run's plan can be undone, by run id (shown beside Approve). */
  reversible: Record<string, boolean>;
  active: RunRow[];
  dead: RunRow[];
  recent: RunRow[];
  policy: PolicyView;
  canChangePolicy: boolean;
  /** The signed-in user (requesters cannot approve their own runs). */
  userId: string;
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  extra: Pick<Data, "flash"> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const org = auth.org!;
  const { services } = ctx.state;
  const list = (states: readonly RunState[], limit = LIST_ROWS) =>
    listRuns(services.ledger, org.id, { states, limit });
  const [awaiting, active, dead, recent, policy] = await Promise.all([
    list(["awaiting-approval"]),
    list(["queued", "dispatched", "running"]),
    list(["dead-letter"]),
    list(FINAL_RUN_STATES, RECENT_ROWS),
    getOrgPolicy(services.ledger, org.id).then((stored) => policyView(services, stored)),
  ]);
  // Oldest first: the queue is worked from the front.
  const rows = await runRows(services, org.id, [
    ...awaiting.reverse(),
    ...active.reverse(),
    ...dead,
    ...recent,
  ]);
  const part = (from: number, n: number) => rows.slice(from, from + n);
  ctx.state.title = "Remediation";
  return formPage<Data>({
    awaiting: part(0, awaiting.length),
    reversible: Object.fromEntries(awaiting.map((r) => [r.id, r.plan.reversible])),
    active: part(awaiting.length, active.length),
    dead: part(awaiting.length + active.length, dead.length),
    recent: part(awaiting.length + active.length + dead.length, recent.length),
    policy,
    canChangePolicy: roleAtLeast(org.role, "admin"),
    userId: auth.user.id,
    ...extra,
    message: problem ? problem.message ?? Object.values(problem.errors)[0] : undefined,
  }, problem);
}

const RunId = z.object({ runId: z.string().trim().min(1).max(64) });

const DONE: Record<RunDecision, keyof typeof FLASH> = {
  approve: "approved",
  reject: "rejected",
  cancel: "canceled",
};

function decision(kind: RunDecision) {
  return async (ctx: Ctx, values: Record<string, string>) => {
    const parsed = parseValues(RunId, values);
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    const auth = authOf(ctx);
    try {
      await decideRun(ctx.state.services, {
        orgId: auth.org!.id,
        runId: parsed.data.runId,
        decision: kind,
        userId: auth.user.id,
        actor: requestActor(ctx.state),
        reason: null,
      });
    } catch (error) {
      return render(ctx, {}, formProblem(error));
    }
    return seeOther(ctx, `/remediation?done=${DONE[kind]}`);
  };
}

const INTENTS = {
  approve: decision("approve"),
  reject: decision("reject"),
  cancel: decision("cancel"),
  async replay(ctx: Ctx, values: Record<string, string>) {
    const parsed = parseValues(RunId, values);
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    const replayed = await replayRuns(ctx.state.services, {
      orgId: authOf(ctx).org!.id,
      runIds: [parsed.data.runId],
      actor: requestActor(ctx.state),
    });
    if (replayed.length === 0) {
      return render(ctx, {}, {
        status: 409,
        errors: {},
        message: "That run is not dead-lettered (any more); nothing was replayed.",
      });
    }
    return seeOther(ctx, "/remediation?done=replayed");
  },
  async replay_all(ctx: Ctx) {
    await replayRuns(ctx.state.services, {
      orgId: authOf(ctx).org!.id,
      runIds: [],
      actor: requestActor(ctx.state),
    });
    return seeOther(ctx, "/remediation?done=replayed_all");
  },
  async drain(ctx: Ctx) {
    const drained = await drainQueue(ctx.state.services, authOf(ctx).org!.id);
    await auditRequest(ctx, {
      action: "remediation.queue.drain",
      summary: `queue drained: ${drained.dispatched} dispatched, ${drained.expired} expired`,
      details: { ...drained },
    });
    return seeOther(ctx, "/remediation?done=drained");
  },
};

/** Ops and above (route policy): approve, reject, cancel, replay, drain. */
export const handler = define.handlers(
  formPageHandlers({ render, flash: FLASH, intents: INTENTS }),
);

export default define.page<typeof handler>(({ data }) => (
  <>
    <header class="page-header page-header-actions">
      <h1>Remediation</h1>
      <IntentButton
        intent="drain"
        formId="drain-form"
        label="Drain the queue now"
        pendingLabel="Draining…"
      />
    </header>
    <Messages flash={data.flash} message={data.message} />
    <PolicyCard policy={data.policy} canChange={data.canChangePolicy} />
    <RunQueue
      name="awaiting"
      title="Awaiting approval"
      rows={data.awaiting}
      caption="Runs awaiting a second person's approval, oldest first"
      empty="Nothing awaits approval."
      actions={(r) => (
        <div class="key-actions">
          {r.requestedById === data.userId
            ? (
              <span class="muted small">
                You requested it; another person approves (two-person rule).
              </span>
            )
            : (
              <>
                <ApproveFacts run={r} reversible={data.reversible[r.id]} />
                <RunButton
                  intent="approve"
                  label="Approve"
                  run={r}
                  confirm={approveQuestion(r, data.reversible[r.id])}
                />
              </>
            )}
          <RunButton intent="reject" label="Reject" run={r} danger />
        </div>
      )}
    />
    <RunQueue
      name="active"
      title="Queued and running"
      rows={data.active}
      caption="Runs queued, dispatched or running, oldest first"
      empty="Nothing is queued or running."
      actions={(r) =>
        r.state === "running"
          ? <span class="muted small">on the host</span>
          : <RunButton intent="cancel" label="Cancel" run={r} danger />}
    />
    <RunQueue
      name="dead"
      title="Dead-lettered"
      rows={data.dead}
      caption="Runs whose dispatch kept failing, newest first"
      empty="No dead-lettered run."
      actions={(r) => (
        <div class="key-actions">
          <RunButton intent="replay" label="Replay" run={r} />
          <RunButton intent="cancel" label="Cancel" run={r} danger />
        </div>
      )}
      headActions={data.dead.length > 0 && (
        <IntentButton
          intent="replay_all"
          formId="replay-all-form"
          label="Replay all"
          pendingLabel="Replaying…"
        />
      )}
    />
    <RunQueue
      name="recent"
      title="Recently finished"
      rows={data.recent}
      caption="Runs that finished, newest first"
      empty="No run has finished yet. Runs start from a host's page: open a host and pick a fix under Remediation."
    />
  </>
));
