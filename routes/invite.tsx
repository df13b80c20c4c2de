import { z } from "zod";
import { define } from "@/lib/define.ts";
import {
  type FreshContext,
  HttpError,
  page,
  type PageProps,
  type PageResponse,
} from "@/lib/fresh/mod.ts";
import { formObject } from "@/lib/http/input.ts";
import { NameField, PasswordField } from "@/lib/auth/inputs.ts";
import type { Role } from "@/lib/auth/roles.ts";
import { hashPassword, PASSWORD_MIN_LENGTH, validatePassword } from "@/lib/auth/password.ts";
import { startSession } from "@/lib/auth/signin.ts";
import { rotateSession } from "@/lib/auth/sessions.ts";
import { appSecretOf } from "@/lib/auth/secret.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { clientOf } from "@/lib/auth/http.ts";
import { createUser, getUser, getUserByEmail } from "@/lib/orgs/users.ts";
import { getInvitationByToken } from "@/lib/orgs/invitations.ts";
import { acceptMemberInvitation, invitationProblem } from "@/lib/orgs/admin.ts";
import { type FieldErrors, type FormProblem, formProblem, parseValues } from "@/lib/ui/forms.ts";
import { seeOther, withQuery } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { AuthCard } from "@/components/AuthCard.tsx";
import { Field, Hidden } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

/** What the visitor can do with the invitation. */
type Step = "problem" | "accept" | "other_account" | "create" | "sign_in";

interface Data {
  step: Step;
  token: string;
  orgName?: string;
  role?: Role;
  inviter?: string;
  email?: string;
  signedInAs?: string;
  values: Record<string, string>;
  errors: FieldErrors;
  message?: string;
}

type Ctx = FreshContext<State>;

/** The invitation and what this visitor may do with it, as the page shows it. */
async function render(
  ctx: Ctx,
  token: string,
  problem?: FormProblem,
  values: Record<string, string> = {},
) {
  ctx.state.title = "Invitation";
  const { ledger, clock } = ctx.state.services;
  const found = await getInvitationByToken(ledger, token, clock.now());
  const init = { status: problem?.status ?? 200, headers: problem?.headers };
  if (!found.ok) {
    const why = invitationProblem(found.reason);
    return page<Data>(
      { step: "problem", token: "", values: {}, errors: {}, message: why.message },
      { status: why.status },
    );
  }
  const inv = found.invitation;
  const inviter = await getUser(ledger, inv.invitedBy);
  const auth = ctx.state.auth;
  const step: Step = auth
    ? auth.user.email === inv.email ? "accept" : "other_account"
    : (await getUserByEmail(ledger, inv.email))
    ? "sign_in"
    : "create";
  return page<Data>({
    step,
    token,
    orgName: inv.orgName,
    role: inv.role,
    inviter: inviter ? `${inviter.name} (${inviter.email})` : undefined,
    email: inv.email,
    signedInAs: auth?.user.email,
    values,
    errors: problem?.errors ?? {},
    message: problem?.message,
  }, init);
}

const CreateAccount = z.object({ name: NameField, password: PasswordField });

async function accept(ctx: Ctx, token: string): Promise<Response | PageResponse<Data>> {
  const auth = ctx.state.auth;
  if (!auth) return render(ctx, token, { status: 401, errors: {}, message: "Sign in first." });
  const { services } = ctx.state;
  try {
    const accepted = await acceptMemberInvitation(services, auth.user, token, clientOf(ctx));
    // A new membership is a privilege change: rotate the session into the new organization.
    const rotated = await rotateSession(services.kv, appSecretOf(services.config), auth.session, {
      activeOrgId: accepted.orgId,
    }, {
      idleMinutes: services.config.sessionIdleMinutes,
      maxHours: services.config.sessionMaxHours,
      now: services.clock.now(),
    });
    return rotated ? seeOther(ctx, "/", { session: rotated.token }) : seeOther(ctx, "/sign-in");
  } catch (error) {
    return render(ctx, token, formProblem(error));
  }
}

async function createAccount(ctx: Ctx, token: string, values: Record<string, string>) {
  const kept = { name: values.name ?? "" };
  const parsed = parseValues(CreateAccount, values);
  if (!parsed.ok) return render(ctx, token, parsed.problem, kept);
  const weak = validatePassword(parsed.data.password);
  if (weak) return render(ctx, token, { status: 400, errors: { password: weak } }, kept);
  const { services } = ctx.state;
  const found = await getInvitationByToken(services.ledger, token, services.clock.now());
  if (
    !found.ok || ctx.state.auth || await getUserByEmail(services.ledger, found.invitation.email)
  ) {
    return render(ctx, token); // the situation changed: show what is possible now
  }
  const client = clientOf(ctx);
  try {
    const passwordHash = await hashPassword(parsed.data.password, services.config.passwordHashCost);
    const user = await createUser(services.ledger, {
      email: found.invitation.email,
      name: parsed.data.name,
      passwordHash,
    });
    await auditRequest(ctx, {
      action: "auth.account.create",
      summary: `${user.email} created their account from an invitation`,
      actor: { type: "user", id: user.id, label: user.email },
      target: { type: "user", id: user.id },
      orgId: found.invitation.orgId,
    });
    await acceptMemberInvitation(services, user, token, client);
    const { token: session } = await startSession(services, user.id, client, {
      mfa: false,
      method: "invitation",
    });
    return seeOther(ctx, "/", { session });
  } catch (error) {
    return render(ctx, token, formProblem(error), kept);
  }
}

/** An invitation link: shows the organization, role and inviter, then accept or sign up. */
export const handler = define.handlers({
  GET(ctx) {
    return render(ctx, ctx.url.searchParams.get("token") ?? "");
  },
  async POST(ctx) {
    const values = await formObject(ctx.req);
    const token = values.token ?? "";
    if (values.intent === "accept") return await accept(ctx, token);
    if (values.intent === "create") return await createAccount(ctx, token, values);
    throw new HttpError(400, "intent: unknown form", { details: { field: "intent" } });
  },
});

export default define.page(({ data }: PageProps<Data, State>) => {
  if (data.step === "problem") {
    return (
      <AuthCard title="Invitation">
        <Messages message={data.message} />
        <p>
          <a href="/sign-in">Go to sign-in</a>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={`Join ${data.orgName}`}>
      <p class="invitation-summary">
        {data.inviter ?? "An administrator"} invited <strong>{data.email}</strong> to{" "}
        <strong>{data.orgName}</strong> as <strong>{data.role}</strong>.
      </p>
      <Messages message={data.message} />
      {data.step === "accept" && (
        <form method="post" class="form">
          <Hidden name="intent" value="accept" />
          <Hidden name="token" value={data.token} />
          <SubmitButton class="button-primary" label="Accept invitation" pendingLabel="Joining…" />
        </form>
      )}
      {data.step === "other_account" && (
        <p>
          You are signed in as <strong>{data.signedInAs}</strong>, but this invitation is for{" "}
          <strong>{data.email}</strong>. Sign out, then open the link again to accept it with that
          address.
        </p>
      )}
      {data.step === "sign_in" && (
        <p>
          An account with {data.email} exists already.{" "}
          <a href={withQuery("/sign-in", { next: withQuery("/invite", { token: data.token }) })}>
            Sign in to accept
          </a>.
        </p>
      )}
      {data.step === "create" && (
        <form method="post" class="form">
          <Hidden name="intent" value="create" />
          <Hidden name="token" value={data.token} />
          <Field
            name="email"
            label="E-mail"
            type="email"
            value={data.email}
            autocomplete="username"
            readOnly
          />
          <Field
            name="name"
            label="Your name"
            value={data.values.name}
            error={data.errors.name}
            autocomplete="name"
            required
          />
          <Field
            name="password"
            label="Password"
            type="password"
            error={data.errors.password}
            autocomplete="new-password"
            hint={`At least ${PASSWORD_MIN_LENGTH} characters; a passphrase of a few words is easiest.`}
            minLength={PASSWORD_MIN_LENGTH}
            required
          />
          <SubmitButton
            class="button-primary"
            label="Create account and join"
            pendingLabel="Creating…"
          />
        </form>
      )}
    </AuthCard>
  );
});
