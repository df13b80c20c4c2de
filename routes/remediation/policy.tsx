import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, page, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { PROFILE_NAMES } from "@/lib/remediation/profiles.ts";
import { RISK_TIERS } from "@/lib/remediation/types.ts";
import { type FormProblem, formProblem, parseValues, runIntent } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import { changeRemediationPolicy, policyView } from "@/lib/ui/remediation.ts";
import type { State } from "@/lib/state.ts";
import { Messages } from "@/components/Notice.tsx";
import {
  PolicyCard,
  type PolicyFailure,
  type PolicyView,
} from "@/components/RemediationPolicy.tsx";

interface Data {
  policy: PolicyView;
  canChange: boolean;
  failed?: PolicyFailure;
  message?: string;
}

type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  failed?: PolicyFailure,
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  ctx.state.title = "Remediation policy";
  return page<Data>({
    policy: await policyView(ctx.state.services, org.id),
    canChange: roleAtLeast(org.role, "admin"),
    failed,
    message: problem ? problem.message ?? "Check the field marked below." : undefined,
  }, {
    status: problem?.status ?? 200,
    headers: { "cache-control": "no-store" },
  });
}

const Freeze = z.object({
  reason: z.string().trim().min(1, "say why remediation is frozen").max(500),
});
const Settings = z.object({
  profile: z.enum(PROFILE_NAMES),
  approvalThreshold: z.enum(RISK_TIERS),
});

async function change(
  ctx: Ctx,
  body: Record<string, unknown>,
  failed: PolicyFailure | undefined,
  done: string,
) {
  try {
    await changeRemediationPolicy(ctx.state.services, authOf(ctx), clientOf(ctx), body);
  } catch (error) {
    const problem = formProblem(error, { frozenReason: "reason" });
    return render(
      ctx,
      failed ? { ...failed, errors: problem.errors } : undefined,
      problem,
    );
  }
  return seeOther(ctx, `/remediation?done=${done}`);
}

const INTENTS = {
  freeze(ctx: Ctx, values: Record<string, string>) {
    const kept = { reason: (values.reason ?? "").slice(0, 500) };
    const parsed = parseValues(Freeze, values);
    if (!parsed.ok) {
      return render(
        ctx,
        { intent: "freeze", values: kept, errors: parsed.problem.errors },
        parsed.problem,
      );
    }
    return change(
      ctx,
      { frozen: true, frozenReason: parsed.data.reason },
      { intent: "freeze", values: kept, errors: {} },
      "frozen",
    );
  },
  unfreeze(ctx: Ctx) {
    return change(ctx, { frozen: false }, undefined, "unfrozen");
  },
  settings(ctx: Ctx, values: Record<string, string>) {
    const kept = {
      profile: (values.profile ?? "").slice(0, 20),
      approvalThreshold: (values.approvalThreshold ?? "").slice(0, 20),
    };
    const parsed = parseValues(Settings, values);
    if (!parsed.ok) {
      return render(
        ctx,
        { intent: "settings", values: kept, errors: parsed.problem.errors },
        parsed.problem,
      );
    }
    return change(ctx, parsed.data, { intent: "settings", values: kept, errors: {} }, "policy");
  },
};

export const handler = define.handlers({
  GET(ctx) {
    return render(ctx);
  },
  /** Admins and owners (route policy): freeze, unfreeze, profile and approval threshold. */
  POST(ctx) {
    return runIntent(ctx, ctx.req, INTENTS);
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <header class="page-header">
      <div>
        <p class="crumbs">
          <a href="/remediation">Remediation</a>
        </p>
        <h1>Remediation policy</h1>
      </div>
    </header>
    <Messages message={data.message} />
    <PolicyCard policy={data.policy} canChange={data.canChange} failed={data.failed} />
  </>
));
