import { z } from "zod";
import { define } from "@/lib/define.ts";
import type { FreshContext, PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { formPage, formPageHandlers } from "@/lib/http/form_page.ts";
import { getHostBySlug } from "@/lib/hosts/registry.ts";
import { getHostOverride, getOrgPolicy } from "@/lib/remediation/policy_store.ts";
import type { HostGuardOverride } from "@/lib/remediation/profiles.ts";
import { changeHostOverride, listHostOverrides } from "@/lib/remediation/host_overrides.ts";
import { type FormProblem, formProblem } from "@/lib/ui/forms.ts";
import {
  describeOverride,
  mergeFormOverride,
  OVERRIDE_FIELD_MAP,
  overrideFormValues,
  overrideFromForm,
} from "@/lib/ui/host_override_form.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { Messages } from "@/components/Notice.tsx";
import {
  type OverrideFailure,
  OverrideForm,
  type OverrideRowView,
  OverridesTable,
} from "@/components/HostOverrides.tsx";

const FLASH = {
  saved: "Host override saved.",
  cleared: "Host override cleared: the host follows the organization's profile again.",
  unchanged: "Nothing changed: the host's override was already so.",
};

interface Data {
  profile: string;
  rows: OverrideRowView[];
  canChange: boolean;
  /** What the form shows: typed values after a refusal, or the host being edited. */
  form: OverrideFailure;
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  extra: { failed?: OverrideFailure; problem?: FormProblem; flash?: string } = {},
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  const { services } = ctx.state;
  ctx.state.title = "Host overrides";
  const rows = await listHostOverrides(services, org.id);
  // `?host=<slug>` opens the form on that host's stored override.
  let form: OverrideFailure = extra.failed ?? { values: {}, errors: {} };
  const editing = ctx.url.searchParams.get("host");
  if (!extra.failed && editing) {
    const host = await getHostBySlug(services.ledger, org.id, editing.slice(0, 64));
    const stored = host ? await getHostOverride(services.ledger, host.id) : null;
    if (host) {
      form = { values: { host: host.slug, ...overrideFormValues(stored ?? {}) }, errors: {} };
    }
  }
  return formPage<Data>({
    profile: (await getOrgPolicy(services.ledger, org.id)).profile,
    rows: rows.map((r) => ({
      hostId: r.hostId,
      hostName: r.hostName,
      hostSlug: r.hostSlug,
      summary: describeOverride(r.overrides),
      updatedAt: r.updatedAt,
    })),
    canChange: roleAtLeast(org.role, "admin"),
    form,
    flash: extra.flash,
    message: extra.problem ? extra.problem.message ?? "Check the field marked below." : undefined,
  }, extra.problem);
}

const HostSlug = z.string().trim().min(1, "name the host by its slug").max(64);

const INTENTS = {
  async set(ctx: Ctx, values: Record<string, string>) {
    const { services } = ctx.state;
    const org = authOf(ctx).org!;
    const kept = Object.fromEntries(
      Object.entries(values).filter(([k]) => k !== "intent").map(([k, v]) => [k, v.slice(0, 64)]),
    );
    const refuse = (errors: Record<string, string>, status = 400) =>
      render(ctx, { failed: { values: kept, errors }, problem: { status, errors } });
    const slug = HostSlug.safeParse(values.host ?? "");
    if (!slug.success) return refuse({ host: slug.error.issues[0].message });
    const host = await getHostBySlug(services.ledger, org.id, slug.data);
    if (!host) return refuse({ host: `no host "${slug.data}" in this organization` }, 404);
    const parsed = overrideFromForm(values);
    if (!parsed.ok) return refuse(parsed.errors);
    let result;
    try {
      // Merged with the stored override inside the write transaction: a concurrent API change
      // of a knob the form does not show is kept.
      result = await changeHostOverride(
        services,
        authOf(ctx),
        clientOf(ctx),
        host.id,
        (stored: HostGuardOverride | null) => {
          const merged = mergeFormOverride(stored, parsed.overrides);
          return Object.keys(merged).length === 0 ? null : merged;
        },
      );
    } catch (error) {
      const problem = formProblem(error, OVERRIDE_FIELD_MAP);
      return render(ctx, { failed: { values: kept, errors: problem.errors }, problem });
    }
    const done = !result.changed ? "unchanged" : result.overrides ? "saved" : "cleared";
    return seeOther(ctx, `/remediation/overrides?done=${done}`);
  },
  async clear(ctx: Ctx, values: Record<string, string>) {
    let result;
    try {
      result = await changeHostOverride(
        ctx.state.services,
        authOf(ctx),
        clientOf(ctx),
        (values.hostId ?? "").slice(0, 64),
        null,
      );
    } catch (error) {
      return render(ctx, { problem: formProblem(error, OVERRIDE_FIELD_MAP) });
    }
    return seeOther(ctx, `/remediation/overrides?done=${result.changed ? "cleared" : "unchanged"}`);
  },
};

/** Admins and owners (route policy): set or clear a host's override. */
export const handler = define.handlers(
  formPageHandlers({ render, flash: FLASH, intents: INTENTS }),
);

export default define.page<typeof handler>(({ data }) => (
  <>
    <header class="page-header">
      <div>
        <p class="crumbs">
          <a href="/remediation">Remediation</a> › <a href="/remediation/policy">Policy</a>
        </p>
        <h1>Host overrides</h1>
        <p class="muted">
          Every host follows the organization's <strong>{data.profile}</strong>{" "}
          profile; an override changes some of its guard knobs for one host (a stricter cooldown for
          a database server, a larger queue for a build box).
        </p>
      </div>
    </header>
    <Messages flash={data.flash} message={data.message} />
    <OverridesTable rows={data.rows} canChange={data.canChange} />
    {data.canChange
      ? <OverrideForm form={data.form} />
      : <p class="muted">Admins and owners set host overrides.</p>}
  </>
));
