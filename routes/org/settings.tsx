import { z } from "zod";
import { define } from "@/lib/define.ts";
import type { FreshContext, PageProps, PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { formPage } from "@/lib/http/form_page.ts";
import { fieldIssues, readForm } from "@/lib/http/input.ts";
import {
  daysText,
  orgRetention,
  RETENTION_BOUNDS,
  type RetentionField,
  RetentionInput,
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
import { refill } from "@/components/ActionForm.tsx";
import { Field } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const FLASH = {
  retention: "Retention settings saved.",
  unchanged: "Nothing changed: the retention settings already had these values.",
};

/** Each retention setting as the page shows it: the fact in force, then its form field. */
const SETTINGS: {
  field: RetentionField;
  fallback: "defaultAuditRetentionDays" | "defaultSnapshotRetentionDays";
  fact: string;
  label: string;
  note: string;
}[] = [
  {
    field: "auditRetentionDays",
    fallback: "defaultAuditRetentionDays",
    fact: "Audit entries",
    label: "Keep audit entries for (days)",
    note: "Older entries are pruned daily; the chain still verifies.",
  },
  {
    field: "snapshotRetentionDays",
    fallback: "defaultSnapshotRetentionDays",
    fact: "Raw snapshots",
    label: "Keep raw snapshots for (days)",
    note: "Signals and breaches are kept longer.",
  },
];

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

/**
 * The range issues of the fields that are well-formed, so one round trip marks every bad field
 * (a mistyped one and an out-of-range one together), not only the first kind found.
 */
function rangeIssues(values: Record<string, string>) {
  const numbers: Record<string, number | null> = {};
  for (const { field } of SETTINGS) {
    if (values[field] === undefined) continue;
    const one = DaysText.safeParse(values[field]);
    if (one.success) numbers[field] = one.data;
  }
  const checked = RetentionInput.safeParse(numbers);
  return checked.success ? [] : fieldIssues(checked.error);
}

async function render(
  ctx: Ctx,
  extra: Partial<Pick<Data, "form" | "flash">> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  const settings = await orgRetention(ctx.state.services, org.id);
  ctx.state.title = "Organization settings";
  return formPage<Data>({
    settings,
    canChange: roleAtLeast(org.role, "owner"),
    form: extra.form ?? {
      values: Object.fromEntries(SETTINGS.map(({ field }) => [field, shown(settings[field])])),
      errors: {},
    },
    flash: extra.flash,
    message: problem ? (problem.message ?? "Check the settings marked below.") : undefined,
  }, problem);
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
      SETTINGS.map(({ field }) => [field, (parsed.values[field] ?? "").slice(0, 20)]),
    );
    if (!parsed.ok) {
      const errors = errorsOf([...parsed.issues, ...rangeIssues(parsed.values)]);
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
      return render(ctx, { form: { values, errors } }, problem);
    }
  },
});

function InForce(props: { days: number | null; fallback: number }) {
  return props.days === null
    ? <>{daysText(props.fallback)} (server default)</>
    : <>{daysText(props.days)}</>;
}

function RetentionFields(props: { data: Data }) {
  const { settings, form } = props.data;
  return (
    <form method="post" class="form" id="retention-form">
      {SETTINGS.map(({ field, fallback, label, note }) => {
        const { min, max } = RETENTION_BOUNDS[field];
        const range = `${min} to ${daysText(max)}`;
        return (
          <Field
            key={field}
            {...refill(form, field)}
            label={label}
            inputmode="numeric"
            maxLength={6}
            hint={`${note} ${range}; empty: the server default, ${daysText(settings[fallback])}.`}
          />
        );
      })}
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
    <SectionCard name="retention" title="Retention" class="narrow">
      <dl class="facts" id="retention-in-force">
        {SETTINGS.map(({ field, fallback, fact }) => [
          <dt key={`${field}-term`}>{fact}</dt>,
          <dd key={field}>
            <InForce days={data.settings[field]} fallback={data.settings[fallback]} />
          </dd>,
        ])}
      </dl>
      {data.canChange
        ? <RetentionFields data={data} />
        : <p class="muted">Only owners change retention: it decides how long evidence exists.</p>}
    </SectionCard>
  </>
));
