import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, page, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { getBreach } from "@/lib/breaches/query.ts";
import { breachAction } from "@/lib/breaches/admin.ts";
import type { Breach } from "@/lib/breaches/model.ts";
import { getUser } from "@/lib/orgs/users.ts";
import {
  type FieldErrors,
  flashOf,
  type FormProblem,
  formProblem,
  parseValues,
  runIntent,
} from "@/lib/ui/forms.ts";
import { hostNames } from "@/lib/ui/host_names.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { Field, Hidden } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { Time } from "@/components/HostBadges.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

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
  evidence: string | null;
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

async function actorLabels(ctx: Ctx, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of new Set(ids)) {
    const user = await getUser(ctx.state.services.ledger, id);
    out.set(id, user ? user.email : id);
  }
  return out;
}

async function render(
  ctx: Ctx,
  extra: Pick<Data, "failed" | "flash"> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const { breach, events } = await breachOr404(ctx);
  const names = await hostNames(ctx.state.services, auth.org!.id, [breach.hostId]);
  const users = await actorLabels(
    ctx,
    events.filter((e) => e.actorType === "user").map((e) => e.actorId),
  );
  ctx.state.title = breach.title;
  return page<Data>({
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
    evidence: breach.evidence === null ? null : JSON.stringify(breach.evidence, null, 2),
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
  }, {
    status: problem?.status ?? 200,
    headers: { "cache-control": "no-store", ...problem?.headers },
  });
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
  reason: z.string().trim().min(1, "a reason is required").max(1000),
  until: z.string().trim().max(40).optional(),
});

const DONE: Record<Action, keyof typeof FLASH> = {
  fix: "fixed",
  reopen: "reopened",
  ignore: "ignored",
};

function intent(action: Action) {
  return async (ctx: Ctx, values: Record<string, string>) => {
    const kept = {
      reason: (values.reason ?? "").slice(0, 1000),
      until: (values.until ?? "").slice(0, 40),
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

export const handler = define.handlers({
  GET(ctx) {
    return render(ctx, { flash: flashOf(ctx.url, FLASH) });
  },
  async POST(ctx) {
    // Another organization's breach (or none) is a 404 before any form is read.
    await breachOr404(ctx);
    return runIntent(ctx, ctx.req, INTENTS);
  },
});

const LABELS: Record<Action, { title: string; button: string; hint: string }> = {
  fix: { title: "Mark fixed", button: "Mark fixed", hint: "What was done" },
  reopen: { title: "Re-open", button: "Re-open", hint: "Why it needs attention again" },
  ignore: { title: "Ignore", button: "Ignore", hint: "Why it is accepted" },
};

function ActionForm(props: { action: Action; failed?: Data["failed"] }) {
  const { action } = props;
  const failed = props.failed?.action === action ? props.failed : undefined;
  const label = LABELS[action];
  return (
    <form method="post" class="breach-action" data-action={action}>
      <h3>{label.title}</h3>
      <Hidden name="intent" value={action} />
      <Field
        id={`${action}-reason`}
        name="reason"
        label="Reason"
        value={failed?.values.reason}
        error={failed?.errors.reason}
        hint={label.hint}
        maxLength={1000}
        required
      />
      {action === "ignore" && (
        <Field
          id="ignore-until"
          name="until"
          label="Until (optional)"
          value={failed?.values.until}
          error={failed?.errors.until}
          hint="UTC, e.g. 2026-12-01T08:00; empty ignores for good"
          maxLength={40}
        />
      )}
      <SubmitButton label={label.button} pendingLabel="Saving…" />
    </form>
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
            <span class={`sev sev-${b.severity}`}>{b.severity}</span>
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
          <pre
            class="evidence"
            tabIndex={0}
            aria-labelledby="breach-evidence"
          >{data.evidence}</pre>
        )}
      </section>
      <section class="card" aria-labelledby="breach-history">
        <h2 id="breach-history">State history</h2>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="State history table">
          <table class="breach-events">
            <caption class="visually-hidden">State changes, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Change</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {data.events.map((e) => (
                <tr key={e.id} data-to={e.toState}>
                  <td class="nowrap">
                    <Time iso={e.ts} />
                  </td>
                  <td>{e.fromState ? `${e.fromState} → ${e.toState}` : e.toState}</td>
                  <td>{e.actor}</td>
                  <td class="wrap">{e.reason ?? <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {data.manage && (
        <section class="card" aria-labelledby="breach-actions">
          <h2 id="breach-actions">Actions</h2>
          <div class="breach-actions">
            {actions.map((a) => <ActionForm key={a} action={a} failed={data.failed} />)}
          </div>
        </section>
      )}
    </>
  );
});
