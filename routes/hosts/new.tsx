import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, page, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { createHostWithKey } from "@/lib/hosts/admin.ts";
import type { Onboarding } from "@/lib/hosts/onboarding.ts";
import { type FieldIssue, formObject } from "@/lib/http/input.ts";
import { type FieldErrors, type FormProblem, formProblem } from "@/lib/ui/forms.ts";
import type { State } from "@/lib/state.ts";
import { onceOwner, putOnce, takeOnce } from "@/lib/ui/once_result.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { Field } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { OnboardingPanel } from "@/components/OnboardingPanel.tsx";
import { HostGroupTagFields } from "@/components/HostFields.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const FIELDS = ["name", "slug", "group", "tags"] as const;

interface Data {
  values: Record<string, string>;
  errors: FieldErrors;
  message?: string;
  created?: { name: string; id: string; onboarding: Onboarding };
}

type Ctx = FreshContext<State>;

function render(ctx: Ctx, data: Data, status = 200): PageResponse<Data> {
  ctx.state.title = data.created ? `Connect ${data.created.name}` : "Add a host";
  // The onboarding answer carries a token: never cached, never replayed by the back button.
  return page<Data>(data, { status, headers: { "cache-control": "no-store" } });
}

/** The form's fields as `createHost` input: empty optional fields left out, tags split. */
function hostInput(values: Record<string, string>) {
  const tags = (values.tags ?? "").split(/[\s,]+/).filter(Boolean);
  return {
    name: values.name ?? "",
    ...(values.slug?.trim() ? { slug: values.slug } : {}),
    ...(values.group?.trim() ? { group: values.group } : {}),
    ...(tags.length ? { tags } : {}),
  };
}

/**
 * Field errors of a failed creation: every field the validation named (`details.issues`), not
 * only the first, with `tags.3` shown at the tags field.
 */
function problemErrors(problem: FormProblem, error: unknown): FieldErrors {
  const out: FieldErrors = {};
  const details = error instanceof HttpError
    ? error.details as { issues?: unknown } | undefined
    : undefined;
  const issues = Array.isArray(details?.issues) ? details.issues as FieldIssue[] : [];
  const all: [string, string][] = [
    ...Object.entries(problem.errors),
    ...issues.map((i): [string, string] => [i.field, i.message]),
  ];
  for (const [field, text] of all) out[field.split(".")[0]] ??= text;
  return out;
}

/** The page's one-time results belong to this operator on this page. */
const ownerOf = (ctx: Ctx) => onceOwner(authOf(ctx), "hosts-new");

export const handler = define.handlers({
  async GET(ctx) {
    const id = ctx.url.searchParams.get("created");
    if (id === null) return render(ctx, { values: {}, errors: {} });
    const created = await takeOnce(ctx.state.services, ownerOf(ctx), "onboarding", id);
    return render(ctx, {
      values: {},
      errors: {},
      created,
      message: created ? undefined : "The new host's onboarding material was shown once. Create " +
        "a new key on the host's page if its token was not saved.",
    });
  },
  async POST(ctx) {
    const form = await formObject(ctx.req);
    const values = Object.fromEntries(FIELDS.map((f) => [f, (form[f] ?? "").slice(0, 400)]));
    try {
      const created = await createHostWithKey(
        ctx.state.services,
        authOf(ctx),
        hostInput(values),
        clientOf(ctx),
      );
      // Shown once, on the GET after the redirect: a refresh never adds the host again.
      const id = await putOnce(ctx.state.services, ownerOf(ctx), "onboarding", {
        name: created.host.name,
        id: created.host.id,
        onboarding: created.onboarding,
      });
      return seeOther(ctx, `/hosts/new?created=${id}`);
    } catch (error) {
      const problem = formProblem(error);
      const errors = problemErrors(problem, error);
      return render(ctx, {
        values,
        errors,
        message: problem.message ??
          (Object.keys(errors).length > 1
            ? "Check the fields marked below."
            : "Check the field marked below."),
      }, problem.status);
    }
  },
});

export default define.page<typeof handler>(({ data }) => {
  if (data.created) {
    return (
      <>
        <header class="page-header">
          <h1>Host {data.created.name} added</h1>
        </header>
        <OnboardingPanel
          hostName={data.created.name}
          hostId={data.created.id}
          onboarding={data.created.onboarding}
        />
      </>
    );
  }
  const { values, errors } = data;
  return (
    <>
      <header class="page-header">
        <h1>Add a host</h1>
      </header>
      <Messages message={data.message} />
      <section class="card narrow" aria-labelledby="add-title">
        <h2 id="add-title">Server</h2>
        <form method="post" action="/hosts/new" class="form">
          <Field
            name="name"
            label="Name"
            value={values.name}
            error={errors.name}
            maxLength={80}
            required
            autocomplete="off"
          />
          <Field
            name="slug"
            label="Slug"
            value={values.slug}
            error={errors.slug}
            hint="Short id in this organization, e.g. web-1. Left empty, it comes from the name."
            autocomplete="off"
            maxLength={40}
          />
          <HostGroupTagFields values={values} errors={errors} />
          <SubmitButton class="button-primary" label="Add host" pendingLabel="Adding…" />
        </form>
        <p class="muted">
          The next page shows the host's token and install commands once. Have a terminal on the
          server ready.
        </p>
      </section>
    </>
  );
});
