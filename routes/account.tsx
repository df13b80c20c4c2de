import { z } from "zod";
import { define } from "@/lib/define.ts";
import {
  type FreshContext,
  HttpError,
  page,
  type PageProps,
  type PageResponse,
} from "@/lib/fresh/mod.ts";
import { PasswordField, SetupCodeField } from "@/lib/auth/inputs.ts";
import {
  changePassword,
  confirmTotpEnrolment,
  disableTotp,
  endSession,
  regenerateRecoveryCodes,
  signOut,
  startTotpEnrolment,
} from "@/lib/auth/account.ts";
import { listSessions, rotateSession } from "@/lib/auth/sessions.ts";
import { appSecretOf } from "@/lib/auth/secret.ts";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { getUser } from "@/lib/orgs/users.ts";
import {
  type FieldErrors,
  flashOf,
  type FormProblem,
  formProblem,
  parseValues,
  runIntent,
} from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { type OnceOwner, putOnce, takeOnce } from "@/lib/ui/once_result.ts";
import { type EnrolmentView, pendingEnrolment, svgDataUri } from "@/lib/ui/totp.ts";
import type { State } from "@/lib/state.ts";
import { Field, Hidden } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { type SessionRow, SessionsTable } from "@/components/SessionsTable.tsx";
import { TotpSection } from "@/components/TotpSection.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const FLASH = {
  password: "Password changed. Your other sessions have ended.",
  totp_off: "Two-step verification is off.",
  session_ended: "That session has ended.",
  left: "You left the organization.",
};

interface Data {
  email: string;
  name: string;
  totpEnabled: boolean;
  recoveryCodesLeft: number;
  sessions: SessionRow[];
  errors: FieldErrors;
  flash?: string;
  message?: string;
  enrolment?: EnrolmentView;
  recoveryCodes?: string[];
}

type Ctx = FreshContext<State>;
type Extra = Partial<Pick<Data, "flash" | "enrolment" | "recoveryCodes">>;

/** The page as stored now, plus what this request adds (errors, one-time secrets). */
async function render(ctx: Ctx, extra: Extra = {}, problem?: FormProblem) {
  const auth = authOf(ctx);
  const { services } = ctx.state;
  const { config, clock } = services;
  ctx.state.title = "Account";
  const user = await getUser(services.ledger, auth.user.id);
  if (!user) throw new HttpError(401, "Sign in first.");
  const sessions = await listSessions(services.kv, user.id, {
    now: clock.now(),
    idleMinutes: config.sessionIdleMinutes,
  });
  return page<Data>({
    email: user.email,
    name: user.name,
    totpEnabled: user.totpEnabledAt !== null,
    recoveryCodesLeft: user.recoveryCodesLeft,
    sessions: sessions.map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      ip: s.ip,
      userAgent: s.userAgent,
      mfa: s.mfa,
      current: s.id === auth.session.id,
    })),
    errors: problem?.errors ?? {},
    message: problem?.message,
    flash: extra.flash,
    enrolment: extra.enrolment,
    recoveryCodes: extra.recoveryCodes,
  }, { status: problem?.status ?? 200, headers: problem?.headers });
}

const PasswordChange = z.object({ currentPassword: PasswordField, newPassword: PasswordField });

/** The set-up code: only the authenticator's code proves the app has the secret (no recovery codes). */
const SetupCode = z.object({
  code: SetupCodeField,
});

/**
 * Who may see recovery codes shown once after a redirect: this operator, on this page. The
 * account is the operator's, not an organization's: no organization in the key, so one left or
 * switched between the POST and its GET does not lose the codes.
 */
function accountOwner(ctx: Ctx): OnceOwner {
  return { orgId: "", userId: authOf(ctx).user.id, scope: "account" };
}

/** Post/Redirect/Get for new recovery codes: shown once, and a reload repeats nothing. */
async function showCodesOnce(ctx: Ctx, codes: string[], session?: string): Promise<Response> {
  const id = await putOnce(ctx.state.services, accountOwner(ctx), "recovery", { codes });
  return seeOther(ctx, `/account?recovery=${id}`, { session });
}

/** One handler per form on the page, chosen by its hidden `intent` field. */
const INTENTS: Record<
  string,
  (ctx: Ctx, values: Record<string, string>) => Promise<Response | PageResponse<Data>>
> = {
  async password(ctx, values) {
    const parsed = parseValues(PasswordChange, values);
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    const auth = authOf(ctx);
    try {
      await changePassword(ctx.state.services, auth.user, parsed.data, {
        ...clientOf(ctx),
        sessionId: auth.session.id,
      });
    } catch (error) {
      return render(ctx, {}, formProblem(error));
    }
    return seeOther(ctx, "/account?done=password");
  },
  async totp_start(ctx) {
    const { secret, qrSvg } = await startTotpEnrolment(ctx.state.services, authOf(ctx).user);
    return render(ctx, { enrolment: { secret, qrDataUri: svgDataUri(qrSvg) } });
  },
  async totp_confirm(ctx, values) {
    const auth = authOf(ctx);
    const { services } = ctx.state;
    const parsed = parseValues(SetupCode, values);
    let problem = parsed.ok ? undefined : parsed.problem;
    if (parsed.ok) {
      try {
        const { recoveryCodes } = await confirmTotpEnrolment(
          services,
          auth.user,
          parsed.data.code,
          clientOf(ctx),
        );
        // Stronger sign-in now: a privilege change, so the session id rotates.
        const rotated = await rotateSession(
          services.kv,
          appSecretOf(services.config),
          auth.session,
          { mfa: true },
          {
            idleMinutes: services.config.sessionIdleMinutes,
            maxHours: services.config.sessionMaxHours,
            now: services.clock.now(),
          },
        );
        return await showCodesOnce(ctx, recoveryCodes, rotated?.token);
      } catch (error) {
        problem = formProblem(error);
      }
    }
    const enrolment = await pendingEnrolment(services, auth.user) ?? undefined;
    return render(ctx, { enrolment }, problem);
  },
  async totp_disable(ctx, values) {
    const parsed = parseValues(z.object({ password: PasswordField }), values);
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    try {
      await disableTotp(ctx.state.services, authOf(ctx).user, parsed.data.password, clientOf(ctx));
    } catch (error) {
      return render(ctx, {}, formProblem(error));
    }
    return seeOther(ctx, "/account?done=totp_off");
  },
  async recovery_codes(ctx) {
    const auth = authOf(ctx);
    const user = await getUser(ctx.state.services.ledger, auth.user.id);
    if (!user?.totpEnabledAt) {
      return render(ctx, {}, {
        status: 409,
        errors: {},
        message: "Turn on two-step verification first.",
      });
    }
    const recoveryCodes = await regenerateRecoveryCodes(
      ctx.state.services,
      auth.user,
      clientOf(ctx),
    );
    return await showCodesOnce(ctx, recoveryCodes);
  },
  async end_session(ctx, values) {
    try {
      await endSession(ctx.state.services, authOf(ctx), values.sessionId ?? "", clientOf(ctx));
    } catch (e) {
      if (!(e instanceof HttpError) || e.status !== 404) throw e;
      return render(ctx, {}, { status: 404, errors: {}, message: e.message });
    }
    return seeOther(ctx, "/account?done=session_ended");
  },
  async sign_out_everywhere(ctx) {
    await signOut(ctx.state.services, authOf(ctx), clientOf(ctx), "everywhere");
    return seeOther(ctx, "/sign-in?done=signed_out_everywhere", { clear: true });
  },
};

export const handler = define.handlers({
  async GET(ctx) {
    const shown = await takeOnce(
      ctx.state.services,
      accountOwner(ctx),
      "recovery",
      ctx.url.searchParams.get("recovery"),
    );
    return render(ctx, { flash: flashOf(ctx.url, FLASH), recoveryCodes: shown?.codes });
  },
  POST: (ctx) => runIntent(ctx, ctx.req, INTENTS),
});

export default define.page(({ data }: PageProps<Data, State>) => (
  <>
    <header class="page-header">
      <h1>Account</h1>
      <p class="muted">
        {data.name} · {data.email}
      </p>
    </header>
    <Messages flash={data.flash} message={data.message} />
    <div class="cards">
      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <form method="post" class="form">
          <Hidden name="intent" value="password" />
          <input
            type="text"
            name="username"
            value={data.email}
            autocomplete="username"
            hidden
            readOnly
          />
          <Field
            name="currentPassword"
            label="Current password"
            type="password"
            error={data.errors.currentPassword}
            autocomplete="current-password"
            required
          />
          <Field
            name="newPassword"
            label="New password"
            type="password"
            error={data.errors.newPassword}
            autocomplete="new-password"
            hint={`At least ${PASSWORD_MIN_LENGTH} characters. Your other sessions end.`}
            minLength={PASSWORD_MIN_LENGTH}
            required
          />
          <SubmitButton class="button-primary" label="Change password" pendingLabel="Changing…" />
        </form>
      </section>
      <TotpSection
        enabled={data.totpEnabled}
        recoveryCodesLeft={data.recoveryCodesLeft}
        enrolment={data.enrolment}
        recoveryCodes={data.recoveryCodes}
        errors={data.errors}
      />
    </div>
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <SessionsTable sessions={data.sessions} />
      <IntentButton
        intent="sign_out_everywhere"
        label="Sign out everywhere"
        danger
        confirm="Sign out of every device and browser, this one included?"
      />
    </section>
  </>
));
