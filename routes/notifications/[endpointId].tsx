import { define } from "@/lib/define.ts";
import type { FreshContext, PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { formPage, formPageHandlers } from "@/lib/http/form_page.ts";
import {
  type FieldErrors,
  flashOf,
  type FormProblem,
  formProblem,
  type IntentHandlers,
} from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import {
  deleteEndpoint,
  rotateEndpointSecret,
  updateEndpoint,
} from "@/lib/notify/endpoint_admin.ts";
import { endpointOr404, type NotifyEndpoint } from "@/lib/notify/endpoint_store.ts";
import { deliveryLog } from "@/lib/notify/deliveries.ts";
import { testEndpoints } from "@/lib/notify/test_send.ts";
import { onceOwner, type OnceValues, putOnce, shownTests, takeOnce } from "@/lib/ui/once_result.ts";
import {
  type EndpointFormValues,
  endpointFormValues,
  endpointInput,
  storedEndpointValues,
} from "@/lib/notify/form_input.ts";
import { ENDPOINT_KIND_LABELS } from "@/lib/notify/types.ts";
import { ActionForm } from "@/components/ActionForm.tsx";
import { Field } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import { Time } from "@/components/HostBadges.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";
import { EndpointFields, fieldErrors } from "./(_components)/EndpointFields.tsx";
import { rulesText, targetText } from "./(_components)/EndpointsTable.tsx";
import { DeliveryLog, type DeliveryRow, deliveryRows } from "./(_components)/DeliveryLog.tsx";
import { SecretNotice, TestResults } from "./(_components)/Notices.tsx";
import { RotateSecretForm } from "./(_components)/RotateSecret.tsx";

const FLASH = {
  saved: "Endpoint saved.",
  enabled: "Endpoint enabled.",
  disabled: "Endpoint disabled: nothing is sent to it until it is enabled again.",
};

interface Data {
  endpoint: NotifyEndpoint;
  log: DeliveryRow[];
  manage: boolean;
  form: { values: EndpointFormValues; errors: FieldErrors };
  /** End of the current rotation overlap (ISO), while it lasts. */
  overlapUntil: string | null;
  /** The rotate form's choice and error, after a failed rotation. */
  rotate?: { value?: string; error?: string };
  newSecret?: string;
  /** A test's outcomes, once, on the GET after it (Post/Redirect/Get). */
  tested?: OnceValues["tested"];
  deleteError?: string;
  flash?: string;
  message?: string;
}

type Ctx = FreshContext<State>;

/** Another organization's endpoint (or none) is a 404. */
const endpointOf = (ctx: Ctx) =>
  endpointOr404(ctx.state.services.ledger, authOf(ctx).org!.id, ctx.params.endpointId);

async function render(
  ctx: Ctx,
  extra: Partial<
    Pick<Data, "form" | "rotate" | "newSecret" | "tested" | "deleteError" | "flash">
  > = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const org = authOf(ctx).org!;
  const { ledger } = ctx.state.services;
  const endpoint = await endpointOf(ctx);
  const log = await deliveryLog(ledger, org.id, endpoint.id, { limit: 50 });
  ctx.state.title = `${endpoint.name} · Notifications`;
  const until = endpoint.previousSecretUntil;
  return formPage<Data>({
    endpoint,
    log: deliveryRows(log),
    manage: roleAtLeast(org.role, "admin"),
    form: extra.form ?? { values: storedEndpointValues(endpoint), errors: {} },
    overlapUntil: until && until > ctx.state.services.clock.now() ? until.toISOString() : null,
    rotate: extra.rotate,
    newSecret: extra.newSecret,
    tested: extra.tested,
    deleteError: extra.deleteError,
    flash: extra.flash,
    message: problem && !extra.deleteError && !extra.rotate
      ? problem.message ?? "Check the fields marked below."
      : undefined,
  }, problem);
}

const here = (ctx: Ctx) => `/notifications/${ctx.params.endpointId}`;

const INTENTS: IntentHandlers<Ctx, Response | PageResponse<Data>> = {
  async update(ctx, values) {
    const endpoint = await endpointOf(ctx);
    const form = endpointFormValues(values);
    try {
      await updateEndpoint(
        ctx.state.services,
        authOf(ctx),
        endpoint.id,
        endpointInput(form, endpoint.kind, "update"),
        clientOf(ctx),
      );
      return seeOther(ctx, `${here(ctx)}?done=saved`);
    } catch (error) {
      const problem = formProblem(error);
      return render(
        ctx,
        { form: { values: { ...form, url: "" }, errors: fieldErrors(problem) } },
        problem,
      );
    }
  },
  async toggle(ctx, values) {
    const enabled = values.enabled === "on";
    await updateEndpoint(
      ctx.state.services,
      authOf(ctx),
      ctx.params.endpointId,
      { enabled },
      clientOf(ctx),
    );
    return seeOther(ctx, `${here(ctx)}?done=${enabled ? "enabled" : "disabled"}`);
  },
  async rotate(ctx, values) {
    const typed = values.graceSeconds;
    try {
      const { secret } = await rotateEndpointSecret(
        ctx.state.services,
        authOf(ctx),
        ctx.params.endpointId,
        // Digits become seconds; anything else goes through as typed, so the check names it.
        typed === undefined
          ? {}
          : { graceSeconds: /^\d{1,9}$/.test(typed) ? Number(typed) : typed },
        clientOf(ctx),
      );
      // Shown once, on the GET after the redirect: a refresh never rotates it again.
      const owner = onceOwner(authOf(ctx), ctx.params.endpointId);
      const id = await putOnce(ctx.state.services, owner, "rotated", { secret });
      return seeOther(ctx, `${here(ctx)}?rotated=${id}`);
    } catch (error) {
      const problem = formProblem(error);
      const field = problem.errors.graceSeconds;
      return render(
        ctx,
        field ? { rotate: { value: typed?.slice(0, 20), error: field } } : {},
        problem,
      );
    }
  },
  async test(ctx) {
    const results = await testEndpoints(
      ctx.state.services,
      authOf(ctx),
      { endpointId: ctx.params.endpointId },
      clientOf(ctx),
    );
    // The outcomes go through the redirect, so a refresh never sends (and audits) again.
    const owner = onceOwner(authOf(ctx), ctx.params.endpointId);
    const id = await putOnce(ctx.state.services, owner, "tested", shownTests(results));
    return seeOther(ctx, `${here(ctx)}?tested=${id}`);
  },
  async delete(ctx, values) {
    try {
      await deleteEndpoint(ctx.state.services, authOf(ctx), ctx.params.endpointId, clientOf(ctx), {
        confirmName: (values.confirm ?? "").slice(0, 200),
      });
    } catch (error) {
      const problem = formProblem(error);
      return render(ctx, { deleteError: problem.errors.confirm ?? problem.message }, problem);
    }
    return seeOther(ctx, "/notifications?done=deleted");
  },
};

const handlers = formPageHandlers({ render, flash: FLASH, find: endpointOf, intents: INTENTS });

export const handler = define.handlers({
  ...handlers,
  /** The page, with what a rotation or a test left to show once (only to admins, who act). */
  async GET(ctx) {
    const params = ctx.url.searchParams;
    if (!roleAtLeast(authOf(ctx).org!.role, "admin")) return await handlers.GET(ctx);
    const { services } = ctx.state;
    // The endpoint first: a link to a missing or foreign endpoint is a 404 and takes nothing.
    const endpoint = await endpointOf(ctx);
    const owner = onceOwner(authOf(ctx), endpoint.id);
    const rotated = await takeOnce(services, owner, "rotated", params.get("rotated"));
    const tested = await takeOnce(services, owner, "tested", params.get("tested"));
    const gone = params.has("rotated") && !rotated
      ? "The new signing secret was shown once; rotate again if it was not saved."
      : undefined;
    return await render(ctx, {
      flash: gone ?? flashOf(ctx.url, FLASH),
      newSecret: rotated?.secret,
      tested,
    });
  },
});

function Facts(props: { e: NotifyEndpoint; overlapUntil: string | null }) {
  const { e } = props;
  return (
    <dl class="facts" id="endpoint-facts">
      <dt>Kind</dt>
      <dd>{ENDPOINT_KIND_LABELS[e.kind]}</dd>
      <dt>{e.kind === "email" ? "Addresses" : "URL"}</dt>
      <dd>
        <code>{targetText(e)}</code>
      </dd>
      <dt>Routes</dt>
      <dd>{rulesText(e)}</dd>
      <dt>State</dt>
      <dd>{e.enabled ? "enabled" : "disabled"}</dd>
      {e.kind === "webhook" && (
        <>
          <dt>Signing secret</dt>
          <dd>
            {e.hasSecret ? "set (shown only when created or rotated)" : "none"}
            {props.overlapUntil && (
              <span id="secret-overlap">
                ; the previous secret also signs until <Time iso={props.overlapUntil} absolute />
              </span>
            )}
          </dd>
        </>
      )}
      <dt>Created</dt>
      <dd>
        <Time iso={e.createdAt.toISOString()} />
      </dd>
    </dl>
  );
}

function Actions(props: { e: NotifyEndpoint; rotate?: Data["rotate"] }) {
  const { e } = props;
  return (
    <div class="key-actions new-key" id="endpoint-actions">
      <IntentButton intent="test" label="Send test" primary />
      <IntentButton
        intent="toggle"
        fields={e.enabled ? {} : { enabled: "on" }}
        id="toggle-enabled"
        label={e.enabled ? "Disable" : "Enable"}
        pendingLabel={e.enabled ? "Disabling…" : "Enabling…"}
      />
      {e.kind === "webhook" && <RotateSecretForm {...props.rotate} />}
    </div>
  );
}

function DeleteForm(props: { name: string; error?: string }) {
  return (
    <ActionForm
      intent="delete"
      class="form"
      submit="Delete endpoint"
      pending="Deleting…"
      buttonClass="button-danger"
    >
      <p>Deletes the endpoint and its delivery log. This cannot be undone.</p>
      <Field
        name="confirm"
        label={`Type the name ${props.name} to confirm`}
        error={props.error}
        autocomplete="off"
        required
      />
    </ActionForm>
  );
}

export default define.page<typeof handler>(({ data }) => (
  <>
    <header class="page-header">
      <div>
        <p class="crumbs">
          <a href="/notifications">Notifications</a>
        </p>
        <h1>{data.endpoint.name}</h1>
        <p class="muted">
          {ENDPOINT_KIND_LABELS[data.endpoint.kind]}
          {!data.endpoint.enabled && " · disabled"}
        </p>
      </div>
    </header>
    <Messages flash={data.flash} message={data.message} />
    {data.newSecret && (
      <SecretNotice
        secret={data.newSecret}
        rotated
        previousUntil={data.overlapUntil ?? undefined}
      />
    )}
    {data.tested && <TestResults results={data.tested.results} more={data.tested.more} />}
    <SectionCard name="facts" title="Endpoint">
      <Facts e={data.endpoint} overlapUntil={data.overlapUntil} />
      {data.manage && <Actions e={data.endpoint} rotate={data.rotate} />}
    </SectionCard>
    <SectionCard name="log" title="Delivery log">
      <DeliveryLog rows={data.log} />
    </SectionCard>
    {data.manage && (
      <SectionCard name="edit" title="Edit" class="narrow">
        <ActionForm
          intent="update"
          id="edit-form"
          class="form"
          submit="Save endpoint"
          pending="Saving…"
          buttonClass="button-primary"
        >
          <EndpointFields
            kind={data.endpoint.kind}
            prefix="edit"
            values={data.form.values}
            errors={data.form.errors}
            mode="update"
            urlDisplay={data.endpoint.urlDisplay}
          />
        </ActionForm>
      </SectionCard>
    )}
    {data.manage && (
      <SectionCard name="delete" title="Delete endpoint" class="danger-zone">
        <DeleteForm name={data.endpoint.name} error={data.deleteError} />
      </SectionCard>
    )}
  </>
));
