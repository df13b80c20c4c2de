import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, page, type PageProps, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { readForm } from "@/lib/http/input.ts";
import {
  orgRetention,
  RETENTION_BOUNDS,
  type RetentionField,
  type RetentionSettings,
  updateOrgRetention,
} from "@/lib/orgs/settings.ts";
import {
  errorsOf,
  type FieldErrors,
  flashOf,
  type FormProblem,
  formProblem,
} from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { Field } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const FLASH = {
  retention: "Retention settings saved.",
  unchanged: "Nothing changed: the retention settings already had these values.",
};

const FIELDS: RetentionField[] = ["auditRetentionDays", "snapshotRetentionDays"];

interface Data {
  settings: RetentionSettings;
  /** Owners change retention; admins read it. */
  canChange: boolean;
  form: { values: Record<string, string>; errors: FieldErrors };
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

/** A days field as typed: empty is the default (null), else whole days (range checked later). */
const DaysText = z.string().trim().max(6, "a whole number of days, or empty for the default")
  .regex(/^\d*$/, "a whole number of days, or empty for the default")
  .transform((v) => v === "" ? null : Number(v));

const RetentionForm = z.object({
  auditRetentionDays: DaysText.optional(),
  snapshotRetentionDays: DaysText.optional(),
});

const shown = (days: number | null) => days === null ? "" : String(days);

async function render(
  ctx: Ctx,
  extra: Partial<Pick<Data, "form" | "flash">> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  const settings = await orgRetention(ctx.state.services, org.id);
  ctx.state.title = "Organization settings";
  return page<Data>({
    settings,
    canChange: roleAtLeast(org.role, "owner"),
    form: extra.form ?? {
      values: {
        auditRetentionDays: shown(settings.auditRetentionDays),
        snapshotRetentionDays: shown(settings.snapshotRetentionDays),
      },
      errors: {},
    },
    flash: extra.flash,
    message: problem ? (problem.message ?? "Check the settings marked below.") : undefined,
  }, {
    status: problem?.status ?? 200,
    headers: { "cache-control": "no-store", ...problem?.headers },
  });
}

/** Every field issue of a refused change (`details.issues`), else the one the error names. */
function issuesOf(error: unknown): { problem: FormProblem; errors: FieldErrors } {
  const problem = formProblem(error);
  const issues = (error as { details?: { issues?: { field: string; message: string }[] } })
    .details?.issues;
  return { problem, errors: { ...errorsOf(issues ?? []), ...problem.errors } };
}

export const handler = define.handlers({
  GET(ctx) {
    return render(ctx, { flash: flashOf(ctx.url, FLASH) });
  },
  async POST(ctx) {
    // The route policy lets only owners post here.
    const parsed = await readForm(ctx.req, RetentionForm);
    const values = Object.fromEntries(
      FIELDS.map((f) => [f, (parsed.values[f] ?? "").slice(0, 20)]),
    );
    if (!parsed.ok) {
      const errors = errorsOf(parsed.issues);
      return render(ctx, { form: { values, errors } }, { status: 400, errors });
    }
    try {
      const changes = await updateOrgRetention(
        ctx.state.services,
        authOf(ctx),
        parsed.data,
        clientOf(ctx),
      );
      const done = Object.keys(changes).length > 0 ? "retention" : "unchanged";
      return seeOther(ctx, `/org/settings?done=${done}`);
    } catch (error) {
      const { problem, errors } = issuesOf(error);
      return render(ctx, { form: { values, errors } }, {
        ...problem,
        message: problem.message ?? "Check the settings marked below.",
      });
    }
  },
});

function InForce(props: { days: number | null; fallback: number }) {
  return props.days === null ? <>{props.fallback} days (server default)</> : <>{props.days} days</>;
}

function RetentionFields(props: { data: Data }) {
  const { settings, form } = props.data;
  const hint = (field: RetentionField, fallback: number, what: string) => {
    const { min, max } = RETENTION_BOUNDS[field];
    return `${what} ${min} to ${max} days; empty: the server default, ${fallback} days.`;
  };
  return (
    <form method="post" class="form" id="retention-form">
      <Field
        name="auditRetentionDays"
        label="Keep audit entries for (days)"
        value={form.values.auditRetentionDays}
        error={form.errors.auditRetentionDays}
        inputmode="numeric"
        maxLength={6}
        hint={hint(
          "auditRetentionDays",
          settings.defaultAuditRetentionDays,
          "Older entries are pruned daily; the chain still verifies.",
        )}
      />
      <Field
        name="snapshotRetentionDays"
        label="Keep raw snapshots for (days)"
        value={form.values.snapshotRetentionDays}
        error={form.errors.snapshotRetentionDays}
        inputmode="numeric"
        maxLength={6}
        hint={hint(
          "snapshotRetentionDays",
          settings.defaultSnapshotRetentionDays,
          "Signals and breaches are kept longer.",
        )}
      />
      <SubmitButton label="Save retention" pendingLabel="Saving…" class="button-primary" />
    </form>
  );
}

export default define.page(({ data }: PageProps<Data, State>) => (
  <>
    <header class="page-header">
      <p class="crumbs">
        <a href="/org/members">Members</a>
      </p>
      <h1>Organization settings</h1>
      <p class="muted">{data.settings.org.name}</p>
    </header>
    <Messages flash={data.flash} message={data.message} />
    <section class="card narrow" aria-labelledby="retention-title">
      <h2 id="retention-title">Retention</h2>
      <dl class="facts" id="retention-in-force">
        <dt>Audit entries</dt>
        <dd>
          <InForce
            days={data.settings.auditRetentionDays}
            fallback={data.settings.defaultAuditRetentionDays}
          />
        </dd>
        <dt>Raw snapshots</dt>
        <dd>
          <InForce
            days={data.settings.snapshotRetentionDays}
            fallback={data.settings.defaultSnapshotRetentionDays}
          />
        </dd>
      </dl>
      {data.canChange
        ? <RetentionFields data={data} />
        : <p class="muted">Only owners change retention: it decides how long evidence exists.</p>}
    </section>
  </>
));
