import { define } from "@/lib/define.ts";
import { type FreshContext, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf } from "@/lib/auth/http.ts";
import { auditOperatorChange, type ClientInfo } from "@/lib/auth/request_audit.ts";
import type { AuthState } from "@/lib/auth/state.ts";
import { formPage, formPageHandlers } from "@/lib/http/form_page.ts";
import { operatorOf } from "@/lib/http/operator_request.ts";
import { incidentAction, operatorActor } from "@/lib/incidents/admin.ts";
import { escalateByHand } from "@/lib/incidents/escalation.ts";
import {
  type IncidentPageData,
  loadIncidentPage,
  postmortemItemsFromForm,
} from "@/lib/incidents/incident_page.ts";
import { editPostmortemAs, finishPostmortemAs } from "@/lib/incidents/postmortem_admin.ts";
import { workflowStep } from "@/lib/incidents/workflow_run.ts";
import { type FormProblem, formProblem } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { Services } from "@/lib/services.ts";
import type { State } from "@/lib/state.ts";
import { Messages, Notice } from "@/components/Notice.tsx";
import { SeverityBadge, shortUtc, Time } from "@/components/HostBadges.tsx";
import { counted } from "@/lib/text/plural.ts";
import { IncidentActions } from "./(_components)/IncidentActions.tsx";
import { IncidentTimeline, LinkedItems } from "./(_components)/IncidentTimeline.tsx";
import { PostmortemEditor } from "./(_components)/PostmortemEditor.tsx";
import { WorkflowSteps } from "./(_components)/WorkflowSteps.tsx";
import type { FailedForm } from "./(_components)/types.ts";

const FLASH = {
  opened: "Incident opened.",
  acknowledge: "Incident acknowledged: escalation stopped.",
  resolve: "Incident resolved: a postmortem draft is ready below.",
  close: "Incident closed.",
  reopen: "Incident re-opened: the acknowledgement deadline runs again.",
  escalate: "Escalated to the next level.",
  assign: "Assignment saved.",
  note: "Note added.",
  link: "Linked.",
  unlink: "Unlinked.",
  workflow: "Workflow step recorded.",
  "postmortem-save": "Postmortem draft saved.",
  "postmortem-publish": "Postmortem published.",
  "postmortem-waive": "Postmortem waived.",
};

type Data = IncidentPageData & { failed?: FailedForm; flash?: string; message?: string };
type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  extra: { failed?: FailedForm; flash?: string } = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  const data = await loadIncidentPage(ctx.state.services, org, ctx.params.incidentId);
  ctx.state.title = data.incident.title;
  let message = problem && Object.keys(problem.errors).length === 0 ? problem.message : undefined;
  if (extra.failed?.form === "acknowledge" && data.incident.state === "acknowledged") {
    message = alreadyAcknowledged(data);
  }
  return formPage<Data>({
    ...data,
    ...extra,
    flash: extra.flash === FLASH.resolve ? resolvedFlash(data) : extra.flash,
    message,
  }, problem);
}

/** The flash after resolving: what became of the postmortem (a draft, or one kept as it was). */
function resolvedFlash(data: IncidentPageData): string {
  const status = data.postmortem?.status;
  if (status === "published") {
    return "Incident resolved: the postmortem published earlier is kept as it is (read-only).";
  }
  if (status === "waived") return "Incident resolved: the postmortem stays waived.";
  return FLASH.resolve;
}

/** Why an acknowledge from an out-of-date page did nothing: who acknowledged it, and when. */
function alreadyAcknowledged(data: IncidentPageData): string {
  const event = data.timeline.findLast((e) => e.type === "acknowledged");
  const at = event?.ts ?? data.incident.acknowledgedAt;
  const who = event ? ` by ${event.actor}` : "";
  return `Already acknowledged${who}${at ? ` at ${shortUtc(at)}` : ""}: nothing to do.`;
}

/** Runs one form's action; on a domain error re-renders with it, else redirects with a flash. */
function intent(
  form: keyof typeof FLASH,
  run: (ctx: Ctx, values: Record<string, string>) => Promise<unknown>,
) {
  return async (ctx: Ctx, values: Record<string, string>) => {
    try {
      await run(ctx, values);
    } catch (error) {
      const problem = formProblem(error);
      const kept = Object.fromEntries(
        Object.entries(values).map(([k, v]) => [k, v.slice(0, 8000)]),
      );
      return render(ctx, { failed: { form, values: kept, errors: problem.errors } }, problem);
    }
    return seeOther(ctx, `/incidents/${ctx.params.incidentId}?done=${form}`);
  };
}

/** An operation on one incident, in the domain layer's shape. */
type IncidentOperation = (
  services: Services,
  auth: AuthState,
  incidentId: string,
  body: Record<string, unknown>,
  client: ClientInfo,
) => Promise<unknown>;

/** Runs `operation` on this page's incident with the body a form's values make. */
const on =
  (operation: IncidentOperation, body: (v: Record<string, string>) => Record<string, unknown>) =>
  (ctx: Ctx, values: Record<string, string>) => {
    const { services, auth, client } = operatorOf(ctx);
    return operation(services, auth, ctx.params.incidentId, body(values), client);
  };

const act = (body: (v: Record<string, string>) => Record<string, unknown>) =>
  on(incidentAction, body);

const transition = (action: string) => act(() => ({ action }));

/** The postmortem editor's fields as an edit. */
const postmortemEdit = (v: Record<string, string>) => ({
  summary: v.summary ?? "",
  impact: v.impact ?? "",
  rootCause: v.rootCause ?? "",
  actionItems: postmortemItemsFromForm(v),
});

const INTENTS = {
  acknowledge: intent("acknowledge", transition("acknowledge")),
  resolve: intent("resolve", transition("resolve")),
  close: intent("close", transition("close")),
  reopen: intent("reopen", transition("reopen")),
  assign: intent("assign", act((v) => ({ action: "assign", assigneeId: v.assigneeId || null }))),
  note: intent("note", act((v) => ({ action: "note", text: v.text ?? "" }))),
  link: intent("link", act((v) => ({ action: "link", kind: v.kind, refId: v.refId ?? "" }))),
  unlink: intent("unlink", act((v) => ({ action: "unlink", kind: v.kind, refId: v.refId ?? "" }))),
  escalate: intent("escalate", async (ctx) => {
    const { services, auth, client } = operatorOf(ctx);
    const incident = await escalateByHand(services, {
      orgId: auth.org!.id,
      incidentId: ctx.params.incidentId,
      actor: operatorActor(auth),
    });
    await auditOperatorChange(services, client, auth, {
      action: "incident.escalate",
      summary: `escalated incident "${incident.title}" to level ${incident.escalationLevel}`,
      target: { type: "incident", id: incident.id },
      details: { level: incident.escalationLevel, state: incident.state },
    });
  }),
  workflow: intent("workflow", (ctx, v) => {
    const { services, auth, client } = operatorOf(ctx);
    return workflowStep(services, auth, {
      incidentId: ctx.params.incidentId,
      workflowId: v.workflowId ?? "",
      stepId: v.stepId ?? "",
      action: v.action ?? "",
    }, client);
  }),
  "postmortem-save": intent("postmortem-save", on(editPostmortemAs, postmortemEdit)),
  // The editor's "Publish postmortem" button submits the editor form: what is on screen is saved
  // first, then published (a bare `intent=postmortem-publish` publishes the draft as saved).
  "postmortem-publish": intent("postmortem-publish", async (ctx, v) => {
    if ("summary" in v || "impact" in v || "rootCause" in v) {
      await on(editPostmortemAs, postmortemEdit)(ctx, v);
    }
    await on(finishPostmortemAs, () => ({ action: "publish" }))(ctx, v);
  }),
  "postmortem-waive": intent(
    "postmortem-waive",
    on(finishPostmortemAs, (v) => ({ action: "waive", reason: v.reason ?? "" })),
  ),
};

export const handler = define.handlers(formPageHandlers({
  render,
  flash: FLASH,
  find: (ctx) => loadIncidentPage(ctx.state.services, authOf(ctx).org!, ctx.params.incidentId),
  intents: INTENTS,
}));

/** Why an unacknowledged incident past its deadline matters: who escalation pages, if anyone. */
function OverdueNotice(props: { data: Data }) {
  const { incident, levels } = props.data;
  return (
    <Notice kind="error">
      <span data-overdue-notice={levels === 0 ? "no-levels" : "paging"}>
        {levels === 0
          ? (
            <>
              Not acknowledged in time. The escalation policy has no levels, so escalation pages no
              one: only reminders through the notification routing rules go out.{" "}
              <a href="/escalation">Set escalation levels</a> to page someone.
            </>
          )
          : incident.escalationLevel === 0
          ? `Not acknowledged in time: not paged yet (the escalation policy has ${
            counted(levels, "level")
          }; escalate to page level 1).`
          : `Not acknowledged in time: the escalation policy is paging level ${
            Math.min(incident.escalationLevel, levels)
          } of ${levels}.`}
      </span>
    </Notice>
  );
}

export default define.page<typeof handler>(({ data }) => {
  const i = data.incident;
  return (
    <>
      <header class="page-header">
        <p>
          <a href="/incidents">Incidents</a>
        </p>
        <h1>{i.title}</h1>
      </header>
      <Messages flash={data.flash} message={data.message} />
      {data.overdue && <OverdueNotice data={data} />}
      {data.suggestResolve && (
        <Notice kind="info">
          Every linked breach is fixed: consider resolving this incident.
        </Notice>
      )}
      <section class="card" aria-labelledby="incident-facts">
        <h2 id="incident-facts">Incident</h2>
        <dl class="facts">
          <dt>State</dt>
          <dd>
            <span class={`state state-${i.state}`} data-state={i.state}>{i.state}</span>
          </dd>
          <dt>Severity</dt>
          <dd>
            <SeverityBadge severity={i.severity} />
          </dd>
          <dt>Host</dt>
          <dd>
            {i.hostId
              ? <a href={`/hosts/${i.hostId}`}>{i.hostName}</a>
              : <span class="muted">none</span>}
          </dd>
          <dt>Assignee</dt>
          <dd>{i.assignee ?? <span class="muted">unassigned</span>}</dd>
          <dt>Opened</dt>
          <dd>
            <Time iso={i.openedAt} /> <span class="muted">({i.source})</span>
          </dd>
          {i.state === "open" && (
            <>
              <dt>Ack due</dt>
              <dd>
                <Time iso={i.ackDueAt} empty="—" />
              </dd>
            </>
          )}
          <dt>Acknowledged</dt>
          <dd data-acknowledged={i.previouslyAcknowledgedAt ? "previously" : undefined}>
            {i.previouslyAcknowledgedAt
              ? (
                <>
                  not yet (previously acknowledged <Time iso={i.previouslyAcknowledgedAt} />)
                </>
              )
              : <Time iso={i.acknowledgedAt} empty="not yet" />}
          </dd>
          <dt>Resolved</dt>
          <dd>
            <Time iso={i.resolvedAt} empty="not yet" />
          </dd>
          {i.closedAt && (
            <>
              <dt>Closed</dt>
              <dd>
                <Time iso={i.closedAt} />
              </dd>
            </>
          )}
          <dt>Escalation</dt>
          <dd>
            {data.levels === 0
              ? (
                <span class="muted">
                  no policy levels (<a href="/escalation">set them</a>)
                </span>
              )
              : i.escalationLevel === 0
              ? `not paged yet (${counted(data.levels, "level")} in the policy)`
              : `level ${i.escalationLevel} of ${data.levels}`}
            {i.remindersSent > 0 && `, ${counted(i.remindersSent, "reminder")} sent`}
            {i.nextEscalationAt && (
              <>
                ; next <Time iso={i.nextEscalationAt} />
              </>
            )}
          </dd>
          <dt>Signals</dt>
          <dd>{i.signalCount}</dd>
        </dl>
        {i.summary && <p class="wrap pre-line">{i.summary}</p>}
      </section>
      {data.manage && <IncidentActions data={data} failed={data.failed} />}
      <LinkedItems data={data} />
      <IncidentTimeline data={data} />
      <WorkflowSteps data={data} />
      <PostmortemEditor data={data} failed={data.failed} />
    </>
  );
});
