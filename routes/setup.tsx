import { z } from "zod";
import { define } from "@/lib/define.ts";
import { HttpError, page, type PageProps } from "@/lib/fresh/mod.ts";
import { readForm } from "@/lib/http/input.ts";
import { Email, NameField, OrgNameField, PasswordField, SlugField } from "@/lib/auth/inputs.ts";
import { runFirstSetup, setupOpen } from "@/lib/auth/account.ts";
import { signInWithPassword } from "@/lib/auth/signin.ts";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password.ts";
import { clientOf } from "@/lib/auth/http.ts";
import { type FieldErrors, formProblem, invalidForm, keptValues } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { slugFrom } from "@/lib/ui/slug.ts";
import { AuthCard } from "@/components/AuthCard.tsx";
import { Field } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import type { State } from "@/lib/state.ts";
import SubmitButton from "@/islands/SubmitButton.tsx";

const SetupForm = z.object({
  name: NameField,
  email: Email,
  password: PasswordField,
  orgName: OrgNameField,
  orgSlug: z.union([z.literal(""), SlugField]).optional(),
});

interface Data {
  values: Record<string, string>;
  errors: FieldErrors;
  message?: string;
}

/** Once any operator exists the page is gone: 404 for GET and POST alike. */
async function requireOpen(state: State): Promise<void> {
  if (!(await setupOpen(state.services))) {
    throw new HttpError(404, "Setup is done: the first owner exists. Sign in instead.");
  }
}

export const handler = define.handlers({
  async GET(ctx) {
    await requireOpen(ctx.state);
    ctx.state.title = "Set up";
    return page<Data>({ values: {}, errors: {} });
  },
  async POST(ctx) {
    await requireOpen(ctx.state);
    ctx.state.title = "Set up";
    const parsed = await readForm(ctx.req, SetupForm);
    if (!parsed.ok) {
      return page<Data>({ values: keptValues(parsed.values), ...invalidForm(parsed.issues) }, {
        status: 400,
      });
    }
    const input = parsed.data;
    const { services } = ctx.state;
    const client = clientOf(ctx);
    try {
      await runFirstSetup(services, {
        name: input.name,
        email: input.email,
        password: input.password,
        orgName: input.orgName,
        orgSlug: input.orgSlug || slugFrom(input.orgName),
      }, client);
    } catch (error) {
      const problem = formProblem(error, { slug: "orgSlug" });
      return page<Data>({ values: keptValues(parsed.values), ...problem }, {
        status: problem.status,
      });
    }
    try {
      const result = await signInWithPassword(services, {
        email: input.email,
        password: input.password,
      }, client);
      if (result.kind === "signed_in") return seeOther(ctx, "/", { session: result.token });
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
    }
    return seeOther(ctx, "/sign-in?done=setup");
  },
});

export default define.page(({ data }: PageProps<Data, State>) => {
  const { values, errors } = data;
  return (
    <AuthCard
      title="Create the first owner and organization"
      intro="This server has no operators yet. The account you create here owns the first organization; invite everyone else from the Members page afterwards."
    >
      <Messages message={data.message} />
      <form method="post" class="form">
        <fieldset>
          <legend>Your account</legend>
          <Field
            name="name"
            label="Your name"
            value={values.name}
            error={errors.name}
            autocomplete="name"
            required
          />
          <Field
            name="email"
            label="E-mail"
            type="email"
            value={values.email}
            error={errors.email}
            autocomplete="username"
            required
          />
          <Field
            name="password"
            label="Password"
            type="password"
            error={errors.password}
            autocomplete="new-password"
            hint={`At least ${PASSWORD_MIN_LENGTH} characters; a passphrase of a few words is easiest.`}
            minLength={PASSWORD_MIN_LENGTH}
            required
          />
        </fieldset>
        <fieldset>
          <legend>Organization</legend>
          <Field
            name="orgName"
            label="Organization name"
            value={values.orgName}
            error={errors.orgName}
            autocomplete="organization"
            required
          />
          <Field
            name="orgSlug"
            label="Short name (slug)"
            value={values.orgSlug}
            error={errors.orgSlug}
            autocomplete="off"
            hint="Lower-case letters, digits and '-', used in URLs and the CLI. Leave empty to derive it from the name."
          />
        </fieldset>
        <SubmitButton
          class="button-primary"
          label="Create owner and organization"
          pendingLabel="Creating…"
        />
      </form>
    </AuthCard>
  );
});
