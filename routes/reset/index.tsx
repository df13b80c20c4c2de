import { z } from "zod";
import { define } from "@/lib/define.ts";
import type { State } from "@/lib/state.ts";
import { page, type PageProps } from "@/lib/fresh/mod.ts";
import { readForm } from "@/lib/http/input.ts";
import { Email } from "@/lib/auth/inputs.ts";
import { requestPasswordReset } from "@/lib/auth/account.ts";
import { clientOf } from "@/lib/auth/http.ts";
import { type FieldErrors, flashOf, formProblem, invalidForm } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { AuthCard } from "@/components/AuthCard.tsx";
import { Field } from "@/components/Field.tsx";
import { Messages, Notice } from "@/components/Notice.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

interface Data {
  mailConfigured: boolean;
  email?: string;
  errors: FieldErrors;
  message?: string;
  flash?: string;
}

const FLASH = {
  sent:
    "If that address has an account, a reset link is on its way. It works once, within 30 minutes.",
};

/** Asks for a password-reset link by e-mail (the same answer whether or not the address exists). */
export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "Reset password";
    return page<Data>({
      mailConfigured: ctx.state.services.mailer.configured,
      errors: {},
      flash: flashOf(ctx.url, FLASH),
    });
  },
  async POST(ctx) {
    ctx.state.title = "Reset password";
    const { services } = ctx.state;
    const mailConfigured = services.mailer.configured;
    const parsed = await readForm(ctx.req, z.object({ email: Email }));
    if (!parsed.ok) {
      return page<Data>({
        mailConfigured,
        email: parsed.values.email,
        ...invalidForm(parsed.issues),
      }, { status: 400 });
    }
    try {
      await requestPasswordReset(services, parsed.data.email, clientOf(ctx));
    } catch (error) {
      const problem = formProblem(error);
      return page<Data>({ mailConfigured, email: parsed.values.email, ...problem }, {
        status: problem.status,
      });
    }
    return seeOther(ctx, "/reset?done=sent");
  },
});

export default define.page(({ data }: PageProps<Data, State>) => (
  <AuthCard title="Reset your password" intro="We e-mail you a link to set a new password.">
    <Messages flash={data.flash} message={data.message} />
    {data.mailConfigured
      ? (
        <form method="post" class="form">
          <Field
            name="email"
            label="E-mail"
            type="email"
            value={data.email}
            error={data.errors.email}
            autocomplete="username"
            required
          />
          <SubmitButton
            class="button-primary"
            label="Email me a reset link"
            pendingLabel="Sending…"
          />
        </form>
      )
      : (
        <Notice kind="info">
          E-mail is not configured on this server (<code>SMTP_URL</code>), so reset links cannot be
          sent. Ask an administrator to set it, or to run <code>deno task user:create</code>{" "}
          for you.
        </Notice>
      )}
    <p>
      <a href="/sign-in">Back to sign-in</a>
    </p>
  </AuthCard>
));
