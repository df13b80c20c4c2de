import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, type PageResponse } from "@/lib/fresh/mod.ts";
import { formPage } from "@/lib/http/form_page.ts";
import { authOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { type FieldIssue, formObject } from "@/lib/http/input.ts";
import { operatorOf, saveOrgSetting } from "@/lib/http/operator_request.ts";
import { INCIDENT_SEVERITIES } from "@/lib/incidents/model.ts";
import { memberOptions } from "@/lib/incidents/page_data.ts";
import {
  type EscalationPolicy,
  getEscalationPolicy,
  MAX_LEVELS,
  setEscalationPolicy,
} from "@/lib/incidents/policy.ts";
import { formFieldOf, formLevels, policyBodyFromForm } from "@/lib/incidents/policy_form.ts";
import { listEndpoints } from "@/lib/notify/endpoint_store.ts";
import { type FieldErrors, flashOf, type FormProblem, formProblem } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { Field, Hidden } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

interface Data {
  policy: Pick<
    EscalationPolicy,
    "levels" | "ackMinutes" | "repeatMinutes" | "repeatCount" | "isDefault"
  >;
  members: [string, string][];
  endpoints: [string, string][];
  /** Admins and owners change the policy. */
  edit: boolean;
  /** E-mail can be sent (`SMTP_URL` set); else members in the levels get nothing by e-mail. */
  mailConfigured: boolean;
  values?: Record<string, string>;
  errors: FieldErrors;
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  extra: Pick<Data, "values" | "flash"> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  const { services } = ctx.state;
  ctx.state.title = "Escalation policy";
  const policy = await getEscalationPolicy(services.ledger, org.id);
  const endpoints = await listEndpoints(services.ledger, org.id);
  return formPage<Data>({
    policy,
    members: await memberOptions(services, org.id),
    endpoints: endpoints.map((e): [string, string] => [e.id, `${e.name} (${e.kind})`]),
    edit: roleAtLeast(org.role, "admin"),
    mailConfigured: services.mailer.configured,
    errors: problem?.errors ?? {},
    message: problem?.message,
    ...extra,
  }, problem);
}

/**
 * A refused policy as the form shows it: every field the error names (`details.issues`, else
 * `details.field`) marked with its first problem, and the summary above the form.
 */
function policyProblem(error: unknown, levels: readonly number[]): FormProblem {
  const problem = formProblem(error);
  const issues = (error as HttpError).details as { issues?: unknown } | undefined;
  const listed = Array.isArray(issues?.issues)
    ? (issues.issues as { field?: unknown; message?: unknown }[]).filter((i) =>
      typeof i.field === "string" && typeof i.message === "string"
    ) as FieldIssue[]
    : [];
  const errors: FieldErrors = {};
  for (const [field, message] of Object.entries(problem.errors)) {
    errors[formFieldOf(field, levels)] = message;
  }
  for (const issue of listed) errors[formFieldOf(issue.field, levels)] ??= issue.message;
  // A problem of the whole body (an unknown field) has no field to mark: show it as the message.
  delete errors["(body)"];
  return Object.keys(errors).length === 0
    ? { ...problem, errors }
    : { ...problem, errors, message: "Check the fields marked below." };
}

export const handler = define.handlers({
  GET(ctx) {
    return render(ctx, { flash: flashOf(ctx.url, { saved: "Escalation policy saved." }) });
  },
  async POST(ctx) {
    const op = operatorOf(ctx);
    const values = await formObject(ctx.req);
    if (values.intent !== "save") {
      throw new HttpError(400, "intent: unknown form", { details: { field: "intent" } });
    }
    try {
      await saveOrgSetting(op, policyBodyFromForm(values), setEscalationPolicy, {
        action: "incident.policy.update",
        summary: (policy) => `escalation policy: ${policy.levels.length} level(s)`,
      });
    } catch (error) {
      return render(ctx, { values }, policyProblem(error, formLevels(values)));
    }
    return seeOther(ctx, "/escalation?done=saved");
  },
});

function LevelEditor(
  props: { n: number; data: Data; level?: { userIds: string[]; endpointIds: string[] } },
) {
  const { n, data, level } = props;
  const ticked = (kind: "user" | "endpoint", id: string) =>
    data.values
      ? data.values[`level-${n}-${kind}-${id}`] !== undefined
      : (kind === "user" ? level?.userIds : level?.endpointIds)?.includes(id) ?? false;
  const error = data.errors[`level-${n}`];
  const choices = [["user", data.members], ["endpoint", data.endpoints]] as const;
  return (
    <fieldset class={error ? "field-invalid" : undefined} data-level={n + 1}>
      <legend>Level {n + 1}{level ? "" : " (new)"}</legend>
      {error && <p class="field-error">{error}</p>}
      <div class="escalation-choices">
        {choices.flatMap(([kind, options]) =>
          options.map(([id, name]) => (
            <label key={`${kind}-${id}`} class="check">
              <input
                type="checkbox"
                name={`level-${n}-${kind}-${id}`}
                checked={ticked(kind, id)}
                disabled={!data.edit}
              />{" "}
              {name}
            </label>
          ))
        )}
      </div>
    </fieldset>
  );
}

export default define.page<typeof handler>(({ data }) => {
  const levels = data.policy.levels;
  // The stored levels and one empty to add, or as many as the refused form had ticked.
  const typed = data.values ? Math.max(-1, ...formLevels(data.values)) + 1 : 0;
  const shown = Math.min(
    MAX_LEVELS,
    Math.max(typed, data.edit && levels.length < MAX_LEVELS ? levels.length + 1 : levels.length),
  );
  const minutes = (prefix: "ack" | "repeat", sev: typeof INCIDENT_SEVERITIES[number]) =>
    data.values?.[`${prefix}-${sev}`] ??
      String((prefix === "ack" ? data.policy.ackMinutes : data.policy.repeatMinutes)[sev]);
  return (
    <>
      <header class="page-header">
        <p>
          <a href="/incidents">Incidents</a>
        </p>
        <h1>Escalation policy</h1>
      </header>
      <Messages flash={data.flash} message={data.message} />
      <section class="card">
        <p>
          A new incident pages level 1 (and the notification routing rules). If nobody acknowledges
          it within the deadline of its severity, level 2 is paged, and so on every repeat interval;
          after the last level the last level gets reminders, up to the repeat count.
        </p>
        {levels.length === 0 && (
          <p class="empty">
            No levels yet: incidents are announced only through the notification routing rules. Tick
            the members and <a href="/notifications">notification endpoints</a>{" "}
            to page for level 1 below.
          </p>
        )}
        {!data.mailConfigured && (
          <p class="notice notice-info" data-mail-notice>
            E-mail is not configured (SMTP_URL is not set): members in the levels receive nothing by
            e-mail until it is. To page now, add a webhook or Slack{" "}
            <a href="/notifications">notification endpoint</a> and tick it in a level.
          </p>
        )}
        {!data.edit && <p class="muted">Only admins and owners change the policy.</p>}
      </section>
      <form method="post" class="form">
        <Hidden name="intent" value="save" />
        {Array.from(
          { length: shown },
          (_, n) => <LevelEditor key={n} n={n} data={data} level={levels[n]} />,
        )}
        <fieldset>
          <legend>Deadlines (minutes)</legend>
          <div class="filters">
            {(["ack", "repeat"] as const).flatMap((prefix) =>
              INCIDENT_SEVERITIES.map((sev) => (
                <Field
                  key={`${prefix}-${sev}`}
                  name={`${prefix}-${sev}`}
                  label={prefix === "ack" ? `Acknowledge ${sev} within` : `Repeat ${sev} every`}
                  value={minutes(prefix, sev)}
                  error={data.errors[`${prefix}-${sev}`]}
                  inputmode="numeric"
                  readOnly={!data.edit}
                />
              ))
            )}
            <Field
              name="repeatCount"
              label="Reminders after the last level"
              value={data.values?.repeatCount ??
                (data.policy.repeatCount === null ? "" : String(data.policy.repeatCount))}
              error={data.errors.repeatCount}
              hint="Empty: 24"
              inputmode="numeric"
              readOnly={!data.edit}
            />
          </div>
        </fieldset>
        {data.edit && (
          <div>
            <SubmitButton label="Save policy" pendingLabel="Saving…" class="button-primary" />
          </div>
        )}
      </form>
    </>
  );
});
