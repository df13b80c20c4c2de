import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, page, type PageProps } from "@/lib/fresh/mod.ts";
import { formObject } from "@/lib/http/input.ts";
import { CodeField, Email, PasswordField, TokenField } from "@/lib/auth/inputs.ts";
import { completeMfa, signInWithPassword } from "@/lib/auth/signin.ts";
import { requestMagicLink } from "@/lib/auth/account.ts";
import { clientOf } from "@/lib/auth/http.ts";
import {
  type FieldErrors,
  flashOf,
  type FormProblem,
  formProblem,
  parseValues,
} from "@/lib/ui/forms.ts";
import { safeNext, seeOther, withQuery } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { AuthCard } from "@/components/AuthCard.tsx";
import { Field, Hidden } from "@/components/Field.tsx";
import { MfaForm } from "@/components/MfaForm.tsx";
import { Messages, Notice } from "@/components/Notice.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const FLASH = {
  link_sent:
    "If that address has an account, a sign-in link is on its way. It works once, within 15 minutes.",
  signed_out: "You are signed out.",
  signed_out_everywhere: "You are signed out on every device.",
  password_reset: "Your password is changed. Sign in with the new one.",
  setup: "Setup is done. Sign in with the account you created.",
};

const PasswordForm = z.object({ email: Email, password: PasswordField });
const MfaStep = z.object({ mfaToken: TokenField, code: CodeField });
const MagicForm = z.object({ email: Email });

interface Data {
  step: "password" | "mfa";
  next: string;
  email?: string;
  mfaToken?: string;
  errors: FieldErrors;
  /** Errors of the sign-in-link form. */
  magicErrors?: FieldErrors;
  magicEmail?: string;
  message?: string;
  flash?: string;
  mailConfigured: boolean;
}

type Ctx = FreshContext<State>;

function render(
  ctx: Ctx,
  data: Omit<Data, "mailConfigured" | "errors"> & { errors?: FieldErrors },
  problem?: FormProblem,
) {
  ctx.state.title = "Sign in";
  return page<Data>({
    ...data,
    errors: { ...data.errors, ...(problem?.errors ?? {}) },
    message: data.message ?? problem?.message,
    mailConfigured: ctx.state.services.mailer.configured,
  }, { status: problem?.status ?? 200, headers: problem?.headers });
}

async function withPassword(ctx: Ctx, values: Record<string, string>, next: string) {
  const parsed = parseValues(PasswordForm, values);
  if (!parsed.ok) {
    return render(ctx, { step: "password", next, email: values.email }, parsed.problem);
  }
  try {
    const result = await signInWithPassword(ctx.state.services, parsed.data, clientOf(ctx));
    if (result.kind === "signed_in") return seeOther(ctx, next, { session: result.token });
    return render(ctx, { step: "mfa", next, mfaToken: result.mfaToken });
  } catch (error) {
    // Wrong credentials (401) and throttling (429) name no field: one message, the e-mail kept.
    return render(ctx, { step: "password", next, email: values.email }, formProblem(error));
  }
}

async function withCode(ctx: Ctx, values: Record<string, string>, next: string) {
  const parsed = parseValues(MfaStep, values);
  if (!parsed.ok) {
    if (parsed.problem.errors.mfaToken) {
      return render(ctx, {
        step: "password",
        next,
        message: "The sign-in step expired; enter your e-mail and password again.",
      });
    }
    return render(ctx, { step: "mfa", next, mfaToken: values.mfaToken }, parsed.problem);
  }
  try {
    const { token } = await completeMfa(ctx.state.services, parsed.data, clientOf(ctx));
    return seeOther(ctx, next, { session: token });
  } catch (error) {
    const problem = formProblem(error);
    const expired = problem.status === 401 && !problem.errors.code;
    return expired
      ? render(ctx, { step: "password", next }, problem)
      : render(ctx, { step: "mfa", next, mfaToken: parsed.data.mfaToken }, problem);
  }
}

async function withLink(ctx: Ctx, values: Record<string, string>, next: string) {
  if (!ctx.state.services.mailer.configured) {
    return render(ctx, { step: "password", next }, {
      status: 503,
      errors: {},
      message:
        "Sign-in links need e-mail, which is not configured on this server. Sign in with your password.",
    });
  }
  const parsed = parseValues(MagicForm, values);
  if (!parsed.ok) {
    return render(ctx, {
      step: "password",
      next,
      magicEmail: values.email,
      magicErrors: parsed.problem.errors,
    }, {
      ...parsed.problem,
      errors: {},
    });
  }
  try {
    await requestMagicLink(ctx.state.services, parsed.data.email, clientOf(ctx));
  } catch (error) {
    return render(ctx, { step: "password", next, magicEmail: values.email }, formProblem(error));
  }
  return seeOther(
    ctx,
    withQuery("/sign-in", { done: "link_sent", next: next === "/" ? undefined : next }),
  );
}

export const handler = define.handlers({
  GET(ctx) {
    const next = safeNext(ctx.url.searchParams.get("next"));
    if (ctx.state.auth) return seeOther(ctx, next);
    return render(ctx, { step: "password", next, flash: flashOf(ctx.url, FLASH) });
  },
  async POST(ctx) {
    const values = await formObject(ctx.req);
    const next = safeNext(values.next);
    if (values.intent === "magic") return await withLink(ctx, values, next);
    if (values.intent === "mfa") return await withCode(ctx, values, next);
    return await withPassword(ctx, values, next);
  },
});

export default define.page(({ data }: PageProps<Data, State>) => {
  if (data.step === "mfa" && data.mfaToken) {
    return (
      <AuthCard title="Two-step verification" intro="Your password was right. One more step.">
        <Messages message={data.message} />
        <MfaForm mfaToken={data.mfaToken} next={data.next} error={data.errors.code} />
        <p>
          <a href={withQuery("/sign-in", { next: data.next === "/" ? undefined : data.next })}>
            Start over
          </a>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Sign in">
      <Messages flash={data.flash} message={data.message} />
      <form method="post" action="/sign-in" class="form">
        <Hidden name="intent" value="password" />
        <Hidden name="next" value={data.next} />
        <Field
          name="email"
          label="E-mail"
          type="email"
          value={data.email}
          error={data.errors.email}
          autocomplete="username"
          required
        />
        <Field
          name="password"
          label="Password"
          type="password"
          error={data.errors.password}
          autocomplete="current-password"
          required
        />
        <SubmitButton class="button-primary" label="Sign in" pendingLabel="Signing in…" />
      </form>
      <p>
        <a href="/reset">Forgot password?</a>
      </p>
      <section class="auth-alt" aria-labelledby="magic-title">
        <h2 id="magic-title">Sign in with an e-mailed link</h2>
        {data.mailConfigured
          ? (
            <form method="post" action="/sign-in" class="form">
              <Hidden name="intent" value="magic" />
              <Hidden name="next" value={data.next} />
              <Field
                id="magic-email"
                name="email"
                label="E-mail"
                type="email"
                value={data.magicEmail}
                error={data.magicErrors?.email}
                autocomplete="username"
                required
              />
              <SubmitButton label="Email me a sign-in link" pendingLabel="Sending…" />
            </form>
          )
          : (
            <Notice kind="info">
              E-mail is not configured on this server (<code>SMTP_URL</code>), so sign-in links and
              password resets cannot be sent. Sign in with your password, or ask an administrator.
            </Notice>
          )}
      </section>
    </AuthCard>
  );
});
