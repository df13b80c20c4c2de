import { define } from "@/lib/define.ts";
import type { FreshContext, PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { formPage } from "@/lib/http/form_page.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import type { FieldIssue } from "@/lib/http/input.ts";
import {
  errorsOf,
  type FieldErrors,
  flashOf,
  type FormProblem,
  formProblem,
  type IntentHandlers,
  runIntent,
} from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { createEndpoint } from "@/lib/notify/endpoint_admin.ts";
import { listEndpoints, type NotifyEndpoint } from "@/lib/notify/endpoint_store.ts";
import { lastDeliveries } from "@/lib/notify/deliveries.ts";
import { getNotifySettings, updateNotifySettings } from "@/lib/notify/settings.ts";
import { testEndpoints } from "@/lib/notify/test_send.ts";
import {
  type EndpointFormValues,
  endpointFormValues,
  endpointInput,
  type SettingsFormValues,
  settingsFormValues,
  settingsInput,
  storedSettingsValues,
} from "@/lib/notify/form_input.ts";
import { ENDPOINT_KIND_LABELS, ENDPOINT_KINDS, type EndpointKind } from "@/lib/notify/types.ts";
import { ActionForm } from "@/components/ActionForm.tsx";
import { Hidden } from "@/components/Field.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import { Messages, Notice } from "@/components/Notice.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";
import { EndpointFields, fieldErrors } from "./(_components)/EndpointFields.tsx";
import { EndpointsTable, type LastDelivery } from "./(_components)/EndpointsTable.tsx";
import { SecretNotice, TestResults } from "./(_components)/Notices.tsx";
import { SettingsSection } from "./(_components)/SettingsSection.tsx";
import {
  type OnceOwner,
  onceOwner,
  type OnceValues,
  putOnce,
  shownTests,
  takeOnce,
} from "@/lib/ui/once_result.ts";

const FLASH = {
  created: "Endpoint created.",
  settings: "Delivery settings saved.",
  deleted: "Endpoint deleted with its delivery log.",
};

const ADD_LABELS: Record<EndpointKind, string> = {
  email: "e-mail",
  webhook: "webhook",
  slack: "Slack",
  discord: "Discord",
};

const EMPTY_FORM: EndpointFormValues = {
  name: "",
  url: "",
  emails: "",
  minSeverity: "medium",
  eventTypes: [],
  enabled: true,
};

interface Data {
  endpoints: NotifyEndpoint[];
  last: Record<string, LastDelivery>;
  manage: boolean;
  settings: { values: SettingsFormValues; stored: SettingsFormValues; errors: FieldErrors };
  /** The create form of `kind` after a failed POST. */
  create?: { kind: EndpointKind; values: EndpointFormValues; errors: FieldErrors };
  /** A webhook's signing secret, once, on the GET after its create. */
  newSecret?: string;
  /** The test outcomes, once, on the GET after the test. */
  tested?: OnceValues["tested"];
  /** `?created=` named a secret that was already shown (or expired). */
  secretGone?: boolean;
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  extra: Partial<Pick<Data, "create" | "newSecret" | "tested" | "secretGone" | "flash">> & {
    settings?: Data["settings"];
  } = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  const { ledger } = ctx.state.services;
  const [endpoints, last, settings] = await Promise.all([
    listEndpoints(ledger, org.id),
    lastDeliveries(ledger, org.id),
    getNotifySettings(ledger, org.id),
  ]);
  const stored = storedSettingsValues(settings);
  ctx.state.title = "Notifications";
  return formPage<Data>({
    endpoints,
    last: Object.fromEntries(
      [...last].map((
        [id, l],
      ) => [id, { status: l.status, code: l.lastCode, at: l.updatedAt.toISOString() }]),
    ),
    manage: roleAtLeast(org.role, "admin"),
    settings: extra.settings ?? { values: stored, stored, errors: {} },
    create: extra.create,
    newSecret: extra.newSecret,
    tested: extra.tested,
    secretGone: extra.secretGone,
    flash: extra.flash,
    message: problem ? problem.message ?? "Check the fields marked below." : undefined,
  }, problem);
}

/** The settings form has one field for each end of the quiet hours. */
const QUIET_HOURS_FIELDS = { "quietHours.start": "quietStart", quietHours: "quietEnd" };

/** The operator whose one-time results these are (admins only post here). */
function ownerOf(ctx: Ctx): OnceOwner {
  return onceOwner(authOf(ctx), "notifications");
}

/**
 * A failed settings change as the form shows it: every field's first issue (the domain
 * validates all fields at once and lists them in `details.issues`), not only the first field.
 */
function settingsProblem(error: unknown): FormProblem {
  const problem = formProblem(error); // re-throws anything that is not an HttpError
  const details = (error as HttpError).details as { issues?: unknown } | undefined;
  const issues: unknown[] = Array.isArray(details?.issues) ? details.issues : [];
  const fields = issues.filter((i): i is FieldIssue =>
    typeof (i as FieldIssue)?.field === "string" &&
    typeof (i as FieldIssue)?.message === "string" && (i as FieldIssue).field !== "(body)"
  );
  if (fields.length === 0) return problem;
  return { status: problem.status, errors: errorsOf(fields), headers: problem.headers };
}

const INTENTS: IntentHandlers<Ctx, Response | PageResponse<Data>> = {
  async create(ctx, values) {
    const kind = (ENDPOINT_KINDS as readonly string[]).includes(values.kind)
      ? values.kind as EndpointKind
      : "webhook";
    const form = endpointFormValues(values);
    try {
      const created = await createEndpoint(
        ctx.state.services,
        authOf(ctx),
        endpointInput(form, kind, "create"),
        clientOf(ctx),
      );
      if (created.secret) {
        // Shown once, on the GET after the redirect: a refresh never creates it again.
        const id = await putOnce(ctx.state.services, ownerOf(ctx), "created", {
          secret: created.secret,
        });
        return seeOther(ctx, `/notifications?created=${id}`);
      }
      return seeOther(ctx, "/notifications?done=created");
    } catch (error) {
      const problem = formProblem(error);
      return render(ctx, { create: { kind, values: form, errors: fieldErrors(problem) } }, problem);
    }
  },
  async test(ctx, values) {
    const endpointId = (values.endpointId ?? "").slice(0, 64);
    const results = await testEndpoints(
      ctx.state.services,
      authOf(ctx),
      endpointId ? { endpointId } : {},
      clientOf(ctx),
    );
    // The outcomes go through the redirect, so a refresh never sends (and audits) again.
    const id = await putOnce(ctx.state.services, ownerOf(ctx), "tested", shownTests(results));
    return seeOther(ctx, `/notifications?tested=${id}`);
  },
  async settings(ctx, values) {
    const typed = settingsFormValues(values);
    try {
      await updateNotifySettings(
        ctx.state.services,
        authOf(ctx),
        settingsInput(typed),
        clientOf(ctx),
      );
      return seeOther(ctx, "/notifications?done=settings");
    } catch (error) {
      const problem = settingsProblem(error);
      const settings = await getNotifySettings(ctx.state.services.ledger, authOf(ctx).org!.id);
      return render(ctx, {
        settings: {
          values: typed,
          stored: storedSettingsValues(settings),
          errors: fieldErrors(problem, QUIET_HOURS_FIELDS),
        },
      }, { ...problem, message: problem.message ?? "Check the settings marked below." });
    }
  },
};

export const handler = define.handlers({
  async GET(ctx) {
    const params = ctx.url.searchParams;
    const extra: Parameters<typeof render>[1] = { flash: flashOf(ctx.url, FLASH) };
    if (params.has("created") && roleAtLeast(authOf(ctx).org!.role, "admin")) {
      const created = await takeOnce(
        ctx.state.services,
        ownerOf(ctx),
        "created",
        params.get("created"),
      );
      // The secret notice says "Endpoint created." itself: no second flash.
      if (created) extra.newSecret = created.secret;
      else extra.secretGone = true;
    }
    if (params.has("tested") && roleAtLeast(authOf(ctx).org!.role, "admin")) {
      extra.tested = await takeOnce(
        ctx.state.services,
        ownerOf(ctx),
        "tested",
        params.get("tested"),
      );
    }
    return render(ctx, extra);
  },
  POST(ctx) {
    // The route policy lets only admins post here.
    return runIntent(ctx, ctx.req, INTENTS);
  },
});

function CreateForms(props: { create?: Data["create"] }) {
  return (
    <SectionCard name="create" title="Add an endpoint">
      {ENDPOINT_KINDS.map((kind) => {
        const failed = props.create?.kind === kind ? props.create : undefined;
        return (
          <details key={kind} open={failed !== undefined} id={`create-${kind}`}>
            <summary>{ENDPOINT_KIND_LABELS[kind]}</summary>
            <ActionForm
              intent="create"
              class="form"
              submit={`Add ${ADD_LABELS[kind]} endpoint`}
              pending="Adding…"
              buttonClass="button-primary"
            >
              <Hidden name="kind" value={kind} />
              <EndpointFields
                kind={kind}
                prefix={`new-${kind}`}
                values={failed?.values ?? EMPTY_FORM}
                errors={failed?.errors ?? {}}
                mode="create"
              />
            </ActionForm>
          </details>
        );
      })}
    </SectionCard>
  );
}

export default define.page<typeof handler>(({ data }) => (
  <>
    <header class="page-header">
      <div>
        <h1>Notifications</h1>
        <p class="muted">
          Where incidents, breaches, silent hosts, remediation and reports are sent.
        </p>
      </div>
    </header>
    <Messages flash={data.flash} message={data.message} />
    {data.newSecret && <SecretNotice secret={data.newSecret} rotated={false} />}
    {data.secretGone && (
      <Notice kind="info">
        <p id="secret-gone">
          A new endpoint's signing secret is shown only once, on the page right after it is created.
          If it was not stored, rotate the secret on the endpoint's page.
        </p>
      </Notice>
    )}
    {data.tested && <TestResults results={data.tested.results} more={data.tested.more} />}
    <SectionCard
      name="endpoints"
      title="Endpoints"
      actions={data.manage && data.endpoints.length > 0 && (
        <IntentButton
          intent="test"
          id="test-all"
          label="Test all enabled"
          pendingLabel="Sending…"
        />
      )}
    >
      <EndpointsTable endpoints={data.endpoints} last={data.last} manage={data.manage} />
    </SectionCard>
    {data.manage && <CreateForms create={data.create} />}
    <SettingsSection
      values={data.settings.values}
      stored={data.settings.stored}
      errors={data.settings.errors}
      manage={data.manage}
    />
  </>
));
