import { z } from "zod";
import { define } from "@/lib/define.ts";
import type { State } from "@/lib/state.ts";
import { page, type PageProps } from "@/lib/fresh/mod.ts";
import { formObject } from "@/lib/http/input.ts";
import { TokenField } from "@/lib/auth/inputs.ts";
import { signInWithMagicLink } from "@/lib/auth/account.ts";
import { clientOf } from "@/lib/auth/http.ts";
import { formProblem, parseValues } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { AuthCard } from "@/components/AuthCard.tsx";
import { Hidden } from "@/components/Field.tsx";
import { MfaForm } from "@/components/MfaForm.tsx";
import { Messages } from "@/components/Notice.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const INVALID = "This sign-in link is not valid. Request a new one from the sign-in page.";

interface Data {
  /** The token to confirm (GET), or null when the link is broken or already spent. */
  token: string | null;
  mfaToken?: string;
  message?: string;
}

/**
 * A sign-in link. GET only shows a button: mail scanners that prefetch links must not spend the
 * single-use token. The POST spends it.
 */
export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "Sign in";
    const token = ctx.url.searchParams.get("token") ?? "";
    if (!TokenField.safeParse(token).success) {
      return page<Data>({ token: null, message: INVALID }, { status: 400 });
    }
    return page<Data>({ token });
  },
  async POST(ctx) {
    ctx.state.title = "Sign in";
    const parsed = parseValues(z.object({ token: TokenField }), await formObject(ctx.req));
    if (!parsed.ok) return page<Data>({ token: null, message: INVALID }, { status: 400 });
    try {
      const result = await signInWithMagicLink(
        ctx.state.services,
        parsed.data.token,
        clientOf(ctx),
      );
      if (result.kind === "signed_in") return seeOther(ctx, "/", { session: result.token });
      return page<Data>({ token: null, mfaToken: result.mfaToken });
    } catch (error) {
      const problem = formProblem(error);
      return page<Data>({ token: null, message: problem.message ?? INVALID }, {
        status: problem.status,
        headers: problem.headers,
      });
    }
  },
});

export default define.page(({ data }: PageProps<Data, State>) => {
  if (data.mfaToken) {
    return (
      <AuthCard title="Two-step verification" intro="The link was right. One more step.">
        <MfaForm mfaToken={data.mfaToken} next="/" />
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Sign in with your link">
      <Messages message={data.message} />
      {data.token
        ? (
          <form method="post" class="form">
            <Hidden name="token" value={data.token} />
            <p>The link works once. Continue to sign in on this device.</p>
            <SubmitButton class="button-primary" label="Sign in" pendingLabel="Signing in…" />
          </form>
        )
        : (
          <p>
            <a href="/sign-in">Go to the sign-in page</a>
          </p>
        )}
    </AuthCard>
  );
});
