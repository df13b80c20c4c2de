import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { formPage, formPageHandlers } from "@/lib/http/form_page.ts";
import {
  getOrgPolicy,
  MAX_MAINTENANCE_WINDOWS,
  type OrgRemediationPolicy,
} from "@/lib/remediation/policy_store.ts";
import { PROFILE_NAMES, PROFILES } from "@/lib/remediation/profiles.ts";
import { countHostOverrides } from "@/lib/remediation/host_overrides.ts";
import { RISK_TIERS } from "@/lib/remediation/types.ts";
import { type FormProblem, formProblem, parseValues } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import {
  changeRemediationPolicy,
  type PolicyEdit,
  policyView,
} from "@/lib/ui/remediation_policy.ts";
import type { State } from "@/lib/state.ts";
import { Messages } from "@/components/Notice.tsx";
import {
  MaintenanceWindowsCard,
  PolicyCard,
  type PolicyFailure,
  type PolicyView,
  type WindowsView,
  type WindowView,
} from "@/components/RemediationPolicy.tsx";

const FLASH = {
  window_added: "Maintenance window added.",
  window_removed: "Maintenance window removed.",
};

interface Data {
  policy: PolicyView;
  /** Hosts with their own override of the guard knobs. */
  overrideCount: number;
  windows: WindowsView;
  canChange: boolean;
  /** The request's time, ISO (the window form says what UTC time it is). */
  now: string;
  failed?: PolicyFailure;
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

/**
 * The key a remove form names a window by: its stored `startsAt/endsAt` (an ISO 8601
 * interval), so a stale form cannot remove another window that took its place in the list.
 */
const windowKey = (w: { startsAt: string; endsAt: string }) => `${w.startsAt}/${w.endsAt}`;

/** The org's windows, earliest first, in UTC and with where they stand at `now`. */
function windowsView(policy: OrgRemediationPolicy, now: Date): WindowsView {
  const at = now.getTime();
  const rows = policy.maintenanceWindows.map((w): WindowView => {
    const starts = Date.parse(w.startsAt);
    const ends = Date.parse(w.endsAt);
    return {
      key: windowKey(w),
      startsAt: new Date(starts).toISOString(),
      endsAt: new Date(ends).toISOString(),
      reason: w.reason ?? null,
      state: ends <= at ? "past" : starts <= at ? "active" : "upcoming",
    };
  });
  return {
    rows: rows.sort((a, b) =>
      a.startsAt.localeCompare(b.startsAt) || a.endsAt.localeCompare(b.endsAt)
    ),
    max: MAX_MAINTENANCE_WINDOWS,
    profile: policy.profile,
    operatorsToo: PROFILES[policy.profile].freezeManualInMaintenance,
  };
}

async function render(
  ctx: Ctx,
  extra: { failed?: PolicyFailure; problem?: FormProblem; flash?: string } = {},
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  const { services } = ctx.state;
  const { failed, problem } = extra;
  const now = services.clock.now();
  ctx.state.title = "Remediation policy";
  const stored = await getOrgPolicy(services.ledger, org.id);
  return formPage<Data>({
    policy: await policyView(services, stored),
    overrideCount: await countHostOverrides(services.ledger, org.id),
    windows: windowsView(stored, now),
    canChange: roleAtLeast(org.role, "admin"),
    now: now.toISOString(),
    failed,
    flash: extra.flash,
    message: problem ? problem.message ?? "Check the field marked below." : undefined,
  }, problem);
}

const Freeze = z.object({
  reason: z.string().trim().min(1, "say why remediation is frozen").max(500),
});
const Settings = z.object({
  profile: z.enum(PROFILE_NAMES),
  approvalThreshold: z.enum(RISK_TIERS),
});

/** `datetime-local` as browsers send it: minutes, optionally seconds and milliseconds. */
const LOCAL_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * A `datetime-local` value read as UTC, as ISO; null when it names no real time (February 30,
 * 25:00, …: `Date.UTC` would roll those over into another time instead of refusing them).
 */
function utcIso(value: string): string | null {
  const m = LOCAL_TIME_RE.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((part) => Number(part ?? 0));
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s, Number((m[7] ?? "").padEnd(3, "0"))));
  const same = t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d &&
    t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s;
  return same ? t.toISOString() : null;
}

const utcTime = z.string().trim().min(1, "give a date and time (UTC)").transform((v, ctx) => {
  const iso = utcIso(v);
  if (iso === null) {
    ctx.addIssue({ code: "custom", message: "give a real date and time, e.g. 2026-12-01T22:00" });
    return z.NEVER;
  }
  return iso;
});
// Only the typing is checked here; the policy store checks end after start, the reason's
// length and the number of windows, for this form and the API alike.
const AddWindow = z.object({ startsAt: utcTime, endsAt: utcTime, reason: z.string().trim() });

/** The page again with `problem`, and its field errors on the form that was sent, if any. */
function refused(ctx: Ctx, failed: PolicyFailure | undefined, problem: FormProblem) {
  return render(ctx, { failed: failed && { ...failed, errors: problem.errors }, problem });
}

/**
 * Stores `body` through the API's own function (so it is validated and audited the same way)
 * and redirects to `to`; a refusal renders the page again with the error next to the field
 * (`fieldMap` renames the store's field paths to the form's names).
 */
async function change(
  ctx: Ctx,
  edit: PolicyEdit,
  failed: PolicyFailure | undefined,
  to: string,
  fieldMap: Record<string, string> | (() => Record<string, string>) = { frozenReason: "reason" },
) {
  try {
    await changeRemediationPolicy(ctx.state.services, authOf(ctx), clientOf(ctx), edit);
  } catch (error) {
    return refused(
      ctx,
      failed,
      formProblem(error, typeof fieldMap === "function" ? fieldMap() : fieldMap),
    );
  }
  return seeOther(ctx, to);
}

const INTENTS = {
  freeze(ctx: Ctx, values: Record<string, string>) {
    const kept = { reason: (values.reason ?? "").slice(0, 500) };
    const failed: PolicyFailure = { intent: "freeze", values: kept, errors: {} };
    const parsed = parseValues(Freeze, values);
    if (!parsed.ok) return refused(ctx, failed, parsed.problem);
    return change(
      ctx,
      { frozen: true, frozenReason: parsed.data.reason },
      failed,
      "/remediation?done=frozen",
    );
  },
  unfreeze(ctx: Ctx) {
    return change(ctx, { frozen: false }, undefined, "/remediation?done=unfrozen");
  },
  settings(ctx: Ctx, values: Record<string, string>) {
    const kept = {
      profile: (values.profile ?? "").slice(0, 20),
      approvalThreshold: (values.approvalThreshold ?? "").slice(0, 20),
    };
    const failed: PolicyFailure = { intent: "settings", values: kept, errors: {} };
    const parsed = parseValues(Settings, values);
    if (!parsed.ok) return refused(ctx, failed, parsed.problem);
    return change(ctx, parsed.data, failed, "/remediation?done=policy");
  },
  add_window(ctx: Ctx, values: Record<string, string>) {
    const kept = {
      startsAt: (values.startsAt ?? "").slice(0, 40),
      endsAt: (values.endsAt ?? "").slice(0, 40),
      reason: (values.reason ?? "").slice(0, 1000),
    };
    const failed: PolicyFailure = { intent: "add_window", values: kept, errors: {} };
    const parsed = parseValues(AddWindow, kept);
    if (!parsed.ok) return refused(ctx, failed, parsed.problem);
    const { startsAt, endsAt, reason } = parsed.data;
    // Built from the list as stored inside the write transaction: concurrent edits both count.
    let at = "maintenanceWindows.0";
    return change(
      ctx,
      ({ maintenanceWindows: windows }) => {
        // The new window is the last of the list the store validates: its issues are this form's.
        at = `maintenanceWindows.${windows.length}`;
        const added = { startsAt, endsAt, ...(reason ? { reason } : {}) };
        return { maintenanceWindows: [...windows, added] };
      },
      failed,
      "/remediation/policy?done=window_added#windows",
      () => ({
        [`${at}.startsAt`]: "startsAt",
        [`${at}.endsAt`]: "endsAt",
        [`${at}.reason`]: "reason",
      }),
    );
  },
  remove_window(ctx: Ctx, values: Record<string, string>) {
    return change(
      ctx,
      ({ maintenanceWindows: windows }) => {
        const at = windows.findIndex((w) => windowKey(w) === values.window);
        if (at < 0) {
          throw new HttpError(
            409,
            "That maintenance window is not in the policy (any more); nothing was removed.",
            { code: "window_gone" },
          );
        }
        return { maintenanceWindows: windows.filter((_, i) => i !== at) };
      },
      undefined,
      "/remediation/policy?done=window_removed#windows",
    );
  },
};

/**
 * Admins and owners (route policy): freeze, unfreeze, profile and approval threshold, add and
 * remove maintenance windows.
 */
export const handler = define.handlers(
  formPageHandlers({ render, flash: FLASH, intents: INTENTS }),
);

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
    <Messages flash={data.flash} message={data.message} />
    <PolicyCard policy={data.policy} canChange={data.canChange} failed={data.failed} />
    <p>
      <a href="/remediation/overrides">Host overrides</a>: {data.overrideCount === 0
        ? "none; every host follows this profile."
        : `${data.overrideCount} host${
          data.overrideCount === 1 ? "" : "s"
        } with knobs of their own.`}
    </p>
    <MaintenanceWindowsCard
      windows={data.windows}
      canChange={data.canChange}
      failed={data.failed}
      now={data.now}
    />
  </>
));
