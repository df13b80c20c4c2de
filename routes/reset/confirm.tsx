import { z } from "zod";
import { define } from "@/lib/define.ts";
import type { State } from "@/lib/state.ts";
import { page, type PageProps } from "@/lib/fresh/mod.ts";
import { readForm } from "@/lib/http/input.ts";
import { PasswordField, TokenField } from "@/lib/auth/inputs.ts";
import {
  confirmPasswordReset,
  passwordResetLinkState,
  RESET_LINK_SPENT,
} from "@/lib/auth/account.ts";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password.ts";
import { clientOf } from "@/lib/auth/http.ts";
import { type FieldErrors, formProblem, invalidForm } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { AuthCard } from "@/components/AuthCard.tsx";
import { Field, Hidden } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const INVALID = "This reset link is not valid. Request a new one.";

interface Data {
  /** Null when the link is broken, spent or expired: only the way back is offered. */
  token: string | null;
  errors: FieldErrors;
  message?: string;
}

/** Sets a new password from a reset link (single use); every session of the account ends. */
export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "New password";
    const token = ctx.url.searchParams.get("token") ?? "";
    if (!TokenField.safeParse(token).success) {
      return page<Data>({ token: null, errors: {}, message: INVALID }, { status: 400 });
    }
    // Checked without using the link up: a spent link says so instead of offering a form.
    const state = await passwordResetLinkState(ctx.state.services, token);
    if (state === "unknown") {
      return page<Data>({ token: null, errors: {}, message: INVALID }, { status: 400 });
    }
    if (state !== "valid") {
      return page<Data>({ token: null, errors: {}, message: RESET_LINK_SPENT }, { status: 410 });
    }
    return page<Data>({ token, errors: {} });
  },
  async POST(ctx) {
    ctx.state.title = "New password";
    const parsed = await readForm(
      ctx.req,
      z.object({ token: TokenField, password: PasswordField }),
    );
    if (!parsed.ok) {
      const problem = invalidForm(parsed.issues);
      if (problem.errors.token) {
        return page<Data>({ token: null, errors: {}, message: INVALID }, { status: 400 });
      }
      return page<Data>({ token: parsed.values.token, ...problem }, { status: 400 });
    }
    try {
      await confirmPasswordReset(ctx.state.services, parsed.data, clientOf(ctx));
    } catch (error) {
      const problem = formProblem(error);
      if (problem.errors.password) {
        return page<Data>({ token: parsed.data.token, ...problem }, { status: problem.status });
      }
      // A spent, expired or unknown token leaves nothing to retry on this page: say why.
      const message = problem.errors.token
        ? (problem.status === 410 ? RESET_LINK_SPENT : INVALID)
        : problem.message;
      return page<Data>({ token: null, errors: {}, message }, { status: problem.status });
    }
    return seeOther(ctx, "/sign-in?done=password_reset");
  },
});

export default define.page(({ data }: PageProps<Data, State>) => (
  <AuthCard title="Choose a new password">
    <Messages message={data.message} />
    {data.token
      ? (
        <form method="post" class="form">
          <Hidden name="token" value={data.token} />
          <Field
            name="password"
            label="New password"
            type="password"
            error={data.errors.password}
            autocomplete="new-password"
            hint={`At least ${PASSWORD_MIN_LENGTH} characters. You are signed out everywhere afterwards.`}
            minLength={PASSWORD_MIN_LENGTH}
            required
          />
          <SubmitButton class="button-primary" label="Set password" pendingLabel="Saving…" />
        </form>
      )
      : (
        <p>
          <a href="/reset">Request a new reset link</a>
        </p>
      )}
  </AuthCard>
));
