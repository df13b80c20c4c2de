import { define } from "@/lib/define.ts";
import type { FreshContext, PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { formPage } from "@/lib/http/form_page.ts";
import {
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
import { testEndpoints, type TestOutcome } from "@/lib/notify/test_send.ts";
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
import { Messages } from "@/components/Notice.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";
import { EndpointFields, fieldErrors } from "./(_components)/EndpointFields.tsx";
import { EndpointsTable, type LastDelivery } from "./(_components)/EndpointsTable.tsx";
import { SecretNotice, TestResults } from "./(_components)/Notices.tsx";
import { SettingsSection } from "./(_components)/SettingsSection.tsx";

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
  newSecret?: string;
  testResults?: TestOutcome[];
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  extra: Partial<Pick<Data, "create" | "newSecret" | "testResults" | "flash">> & {
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
    testResults: extra.testResults,
    flash: extra.flash,
    message: problem ? problem.message ?? "Check the fields marked below." : undefined,
  }, problem);
}

/** The settings form has one field for each end of the quiet hours. */
const QUIET_HOURS_FIELDS = { "quietHours.start": "quietStart", quietHours: "quietEnd" };

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
        return render(ctx, { newSecret: created.secret, flash: FLASH.created });
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
    return render(ctx, { testResults: results });
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
      const problem = formProblem(error);
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
  GET(ctx) {
    return render(ctx, { flash: flashOf(ctx.url, FLASH) });
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
      {data.manage && data.endpoints.length > 0 && (
        <div class="page-header-actions">
          <IntentButton
            intent="test"
            id="test-all"
            label="Test all enabled"
            pendingLabel="Sending…"
          />
        </div>
      )}
    </header>
    <Messages flash={data.flash} message={data.message} />
    {data.newSecret && <SecretNotice secret={data.newSecret} rotated={false} />}
    {data.testResults && <TestResults results={data.testResults} />}
    <SectionCard name="endpoints" title="Endpoints">
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
