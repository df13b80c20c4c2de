import { Fragment } from "preact";
import { z } from "zod";
import { define } from "@/lib/define.ts";
import { userLabels } from "@/lib/ui/user_labels.ts";
import { type FreshContext, HttpError, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { getBreach } from "@/lib/breaches/query.ts";
import { breachAction } from "@/lib/breaches/admin.ts";
import type { Breach } from "@/lib/breaches/model.ts";
import { formPage, formPageHandlers } from "@/lib/http/form_page.ts";
import { type FieldErrors, type FormProblem, formProblem, parseValues } from "@/lib/ui/forms.ts";
import { hostNames } from "@/lib/ui/host_names.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { ActionForm, refill } from "@/components/ActionForm.tsx";
import { EventTable } from "@/components/EventTable.tsx";
import { Field } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { SeverityBadge, Time } from "@/components/HostBadges.tsx";
import { evidenceFacts } from "@/lib/ui/evidence.ts";

const FLASH = {
  fixed: "Breach marked fixed.",
  reopened: "Breach re-opened.",
  ignored: "Breach ignored.",
};

type Action = "fix" | "reopen" | "ignore";

interface EventRow {
  id: string;
  ts: string;
  fromState: string | null;
  toState: string;
  actor: string;
  reason: string | null;
}

interface Data {
  breach: {
    id: string;
    hostId: string;
    hostName: string;
    code: string;
    severity: string;
    title: string;
    detail: string;
    state: Breach["state"];
    openedAt: string;
    lastSeenAt: string;
    stateChangedAt: string;
    fixedAt: string | null;
    ignoredUntil: string | null;
    ignoreReason: string | null;
    reopenCount: number;
    fingerprint: string;
  };
  /** The evidence as labelled facts, and as the agent sent it (JSON, for copying). */
  evidence: { facts: Array<[string, string]>; json: string } | null;
  events: EventRow[];
  /** Ops and above act on breaches. */
  manage: boolean;
  /** The form that failed, with its values and errors. */
  failed?: { action: Action; values: Record<string, string>; errors: FieldErrors };
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

async function breachOr404(ctx: Ctx) {
  const found = await getBreach(
    ctx.state.services.ledger,
    authOf(ctx).org!.id,
    ctx.params.breachId,
  );
  if (!found) throw new HttpError(404, "No such breach in this organization.");
  return found;
}

async function render(
  ctx: Ctx,
  extra: Pick<Data, "failed" | "flash"> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const { breach, events } = await breachOr404(ctx);
  const names = await hostNames(ctx.state.services, auth.org!.id, [breach.hostId]);
  const users = await userLabels(
    ctx.state.services,
    events.filter((e) => e.actorType === "user").map((e) => e.actorId),
  );
  ctx.state.title = breach.title;
  return formPage<Data>({
    breach: {
      id: breach.id,
      hostId: breach.hostId,
      hostName: names.get(breach.hostId)?.name ?? breach.hostId,
      code: breach.code,
      severity: breach.severity,
      title: breach.title,
      detail: breach.detail,
      state: breach.state,
      openedAt: breach.openedAt.toISOString(),
      lastSeenAt: breach.lastSeenAt.toISOString(),
      stateChangedAt: breach.stateChangedAt.toISOString(),
      fixedAt: breach.fixedAt?.toISOString() ?? null,
      ignoredUntil: breach.ignoredUntil?.toISOString() ?? null,
      ignoreReason: breach.ignoreReason,
      reopenCount: breach.reopenCount,
      fingerprint: breach.fingerprint,
    },
    evidence: breach.evidence === null ? null : {
      facts: evidenceFacts(breach.evidence),
      json: JSON.stringify(breach.evidence, null, 2),
    },
    events: events.map((e) => ({
      id: e.id,
      ts: e.ts.toISOString(),
      fromState: e.fromState,
      toState: e.toState,
      actor: e.actorType === "system" ? "system" : users.get(e.actorId) ?? e.actorId,
      reason: e.reason,
    })),
    manage: roleAtLeast(auth.org!.role, "ops"),
    ...extra,
    message: problem && Object.keys(problem.errors).length === 0 ? problem.message : undefined,
  }, problem);
}

/** `2026-12-01`, `2026-12-01T08:00` (UTC) or a full ISO time; null when not a time. */
function untilIso(text: string): string | null {
  const withZone = /(Z|[+-]\d\d:?\d\d)$/i.test(text)
    ? text
    : `${text}${text.length <= 10 ? "T00:00:00Z" : "Z"}`;
  const d = new Date(withZone);
  return text.length > 40 || Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const Form = z.object({
  reason: z.string().trim().min(1, "a reason is required").max(1000, "at most 1000 characters"),
  until: z.string().trim().max(40, "at most 40 characters, e.g. 2026-12-01T08:00").optional(),
});

const DONE: Record<Action, keyof typeof FLASH> = {
  fix: "fixed",
  reopen: "reopened",
  ignore: "ignored",
};

function intent(action: Action) {
  return async (ctx: Ctx, values: Record<string, string>) => {
    // What was typed, as typed (bounded), so a refused form shows it again.
    const kept = {
      reason: (values.reason ?? "").slice(0, 8000),
      until: (values.until ?? "").slice(0, 200),
    };
    const fail = (problem: FormProblem) =>
      render(ctx, { failed: { action, values: kept, errors: problem.errors } }, problem);
    const parsed = parseValues(Form, values);
    if (!parsed.ok) return fail(parsed.problem);
    const body: Record<string, unknown> = {
      action,
      breachId: ctx.params.breachId,
      reason: parsed.data.reason,
    };
    if (action === "ignore" && parsed.data.until) {
      const until = untilIso(parsed.data.until);
      if (!until) {
        return fail({
          status: 400,
          errors: { until: "expected a UTC time, e.g. 2026-12-01T08:00" },
        });
      }
      body.until = until;
    }
    const { breach } = await breachOr404(ctx);
    try {
      await breachAction(ctx.state.services, authOf(ctx), breach.hostId, body, clientOf(ctx));
    } catch (error) {
      return fail(formProblem(error));
    }
    return seeOther(ctx, `/breaches/${breach.id}?done=${DONE[action]}`);
  };
}

const INTENTS = { fix: intent("fix"), reopen: intent("reopen"), ignore: intent("ignore") };

export const handler = define.handlers(
  formPageHandlers({ render, flash: FLASH, find: breachOr404, intents: INTENTS }),
);

const LABELS: Record<Action, { title: string; button: string; hint: string }> = {
  fix: { title: "Mark fixed", button: "Mark fixed", hint: "What was done" },
  reopen: { title: "Re-open", button: "Re-open", hint: "Why it needs attention again" },
  ignore: { title: "Ignore", button: "Ignore", hint: "Why it is accepted" },
};

function BreachActionForm(props: { action: Action; failed?: Data["failed"] }) {
  const { action } = props;
  const failed = props.failed?.action === action ? props.failed : undefined;
  const label = LABELS[action];
  return (
    <ActionForm
      intent={action}
      title={label.title}
      submit={label.button}
      pending="Saving…"
      attrs={{ "data-action": action }}
    >
      <Field
        id={`${action}-reason`}
        {...refill(failed, "reason")}
        label="Reason"
        hint={label.hint}
        maxLength={1000}
        required
      />
      {action === "ignore" && (
        <Field
          id="ignore-until"
          {...refill(failed, "until")}
          label="Until (optional)"
          hint="UTC, e.g. 2026-12-01T08:00; empty ignores for good"
          maxLength={40}
        />
      )}
    </ActionForm>
  );
}

export default define.page<typeof handler>(({ data }) => {
  const b = data.breach;
  const actions: Action[] = [
    ...(b.state !== "fixed" ? ["fix" as const] : []),
    ...(b.state !== "open" ? ["reopen" as const] : []),
    "ignore",
  ];
  return (
    <>
      <header class="page-header">
        <p>
          <a href="/breaches">Breaches</a>
        </p>
        <h1>{b.title}</h1>
        {b.state !== "fixed" && (
          <a class="button-link" href={`/hosts/${b.hostId}/remediate?breach=${b.id}`}>
            Remediate
          </a>
        )}
      </header>
      <Messages flash={data.flash} message={data.message} />
      <section class="card" aria-labelledby="breach-facts">
        <h2 id="breach-facts">Breach</h2>
        <dl class="facts">
          <dt>State</dt>
          <dd>
            <span class={`state state-${b.state}`} data-state={b.state}>{b.state}</span>
            {b.ignoredUntil && (
              <>
                {" "}until <Time iso={b.ignoredUntil} />
              </>
            )}
          </dd>
          {b.ignoreReason && b.state === "ignored" && (
            <>
              <dt>Ignore reason</dt>
              <dd>{b.ignoreReason}</dd>
            </>
          )}
          <dt>Host</dt>
          <dd>
            <a href={`/hosts/${b.hostId}`}>{b.hostName}</a>
          </dd>
          <dt>Severity</dt>
          <dd>
            <SeverityBadge severity={b.severity} />
          </dd>
          <dt>Code</dt>
          <dd>
            <code>{b.code}</code>
          </dd>
          <dt>Opened</dt>
          <dd>
            <Time iso={b.openedAt} />
          </dd>
          <dt>Last seen</dt>
          <dd>
            <Time iso={b.lastSeenAt} />
          </dd>
          <dt>State changed</dt>
          <dd>
            <Time iso={b.stateChangedAt} />
          </dd>
          {b.fixedAt && (
            <>
              <dt>Fixed</dt>
              <dd>
                <Time iso={b.fixedAt} />
              </dd>
            </>
          )}
          <dt>Re-opened</dt>
          <dd>{b.reopenCount}×</dd>
          <dt>Fingerprint</dt>
          <dd class="wrap">
            <code>{b.fingerprint}</code>
          </dd>
        </dl>
        {b.detail && <p class="wrap">{b.detail}</p>}
      </section>
      <section class="card" aria-labelledby="breach-evidence">
        <h2 id="breach-evidence">Evidence</h2>
        {data.evidence === null ? <p class="muted">No evidence recorded.</p> : (
          <>
            <dl class="facts evidence">
              {data.evidence.facts.map(([label, text]) => (
                <Fragment key={label}>
                  <dt>{label}</dt>
                  <dd class="wrap">
                    <code>{text}</code>
                  </dd>
                </Fragment>
              ))}
            </dl>
            <details>
              <summary>As the agent sent it (JSON)</summary>
              <pre
                class="evidence"
                tabIndex={0}
                aria-label="Evidence as JSON"
              >{data.evidence.json}</pre>
            </details>
          </>
        )}
      </section>
      <section class="card" aria-labelledby="breach-history">
        <h2 id="breach-history">State history</h2>
        <EventTable
          label="State history table"
          class="breach-events"
          caption="State changes, oldest first"
          columns={["Change", "Reason"]}
          rows={data.events.map((e) => ({
            id: e.id,
            attrs: { "data-to": e.toState },
            ts: e.ts,
            what: e.fromState ? `${e.fromState} → ${e.toState}` : e.toState,
            actor: e.actor,
            detail: e.reason ?? <span class="muted">—</span>,
          }))}
        />
      </section>
      {data.manage && (
        <section class="card" aria-labelledby="breach-actions">
          <h2 id="breach-actions">Actions</h2>
          <div class="breach-actions">
            {actions.map((a) => <BreachActionForm key={a} action={a} failed={data.failed} />)}
          </div>
        </section>
      )}
    </>
  );
});
