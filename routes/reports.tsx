import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, page, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { runIntent } from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { describeSchedule, type ReportPeriodKind, WEEKDAYS } from "@/lib/reports/period.ts";
import {
  getReportSettings,
  type ReportSettings,
  updateReportSettings,
} from "@/lib/reports/settings.ts";
import { previewReport, sendReportNow } from "@/lib/reports/on_demand.ts";
import { counted } from "@/lib/text/plural.ts";
import { renderReportHtml } from "@/lib/reports/render.ts";
import { recentReportSends } from "@/lib/reports/sends.ts";
import {
  formErrorsOf,
  keptFormValues,
  sendFromForm,
  settingsFromForm,
} from "@/lib/reports/form.ts";
import { ActionForm, refill, type TypedBack } from "@/components/ActionForm.tsx";
import { CheckField, Field, SelectField } from "@/components/Field.tsx";
import { Messages } from "@/components/Notice.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";

type Ctx = FreshContext<State>;

interface Data {
  settings: ReportSettings;
  schedule: string;
  canChange: boolean;
  userEmail: string;
  mailConfigured: boolean;
  period: ReportPeriodKind;
  subject: string;
  /** The e-mail's report table with classes instead of inline styles (CSP), values escaped. */
  previewHtml: string;
  text: string;
  sends: { periodKey: string; state: string; attempts: number; at: string; detail: string }[];
  settingsForm: TypedBack;
  sendForm: TypedBack;
  flash?: string;
  message?: string;
}

const SETTINGS_FIELDS = ["enabled", "frequency", "weekday", "hourUtc", "emails", "viaEndpoints"];
const SEND_FIELDS = ["period", "emails", "viaEndpoints"];

function settingsValues(s: ReportSettings): Record<string, string> {
  return {
    enabled: s.enabled ? "on" : "",
    frequency: s.frequency,
    weekday: String(s.weekday),
    hourUtc: String(s.hourUtc),
    emails: s.emails.join(", "),
    viaEndpoints: s.viaEndpoints ? "on" : "",
  };
}

/** The flash after a redirect: saved settings, or what "send now" queued. */
function flashOf(url: URL): string | undefined {
  const done = url.searchParams.get("done");
  if (done === "settings") return "Report schedule saved.";
  if (done === "unchanged") return "Nothing changed: the schedule already had these values.";
  if (done !== "sent") return undefined;
  const n = (name: string) => Math.max(0, Math.min(999, Number(url.searchParams.get(name)) || 0));
  const queued = counted(n("queued"), "delivery", "deliveries");
  return `Report sent: ${queued} queued for the notification pipeline` +
    (n("suppressed") ? `, ${n("suppressed")} suppressed (quiet hours or maintenance)` : "") +
    (url.searchParams.get("deduped") === "1" ? "; an identical report had just gone out" : "") +
    ".";
}

async function render(
  ctx: Ctx,
  extra: { settingsForm?: TypedBack; sendForm?: TypedBack; status?: number; message?: string } = {},
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const org = auth.org!;
  const { services } = ctx.state;
  const settings = await getReportSettings(services.ledger, org.id);
  const asked = ctx.url.searchParams.get("period");
  const preview = await previewReport(
    services,
    org.id,
    asked === "day" || asked === "week" ? asked : undefined,
  );
  const sends = await recentReportSends(services.ledger, org.id, 5);
  ctx.state.title = "Reports";
  return page<Data>({
    settings,
    schedule: describeSchedule(settings),
    canChange: roleAtLeast(org.role, "admin"),
    userEmail: auth.user.email,
    mailConfigured: services.mailer.configured,
    period: preview.report.period.kind,
    subject: preview.subject,
    previewHtml: renderReportHtml(preview.report, { inlineStyles: false, document: false }),
    text: preview.text,
    sends: sends.map((s) => ({
      periodKey: s.periodKey,
      state: s.state,
      attempts: s.attempts,
      at: (s.finishedAt ?? s.claimedAt).toISOString(),
      detail: s.detail ?? "",
    })),
    settingsForm: extra.settingsForm ?? { values: settingsValues(settings), errors: {} },
    sendForm: extra.sendForm ?? { values: { period: preview.report.period.kind }, errors: {} },
    flash: extra.message ? undefined : flashOf(ctx.url),
    message: extra.message,
  }, { status: extra.status ?? 200, headers: { "cache-control": "no-store" } });
}

const INTENTS = {
  async settings(ctx: Ctx, values: Record<string, string>) {
    const auth = authOf(ctx);
    const role = auth.org!.role;
    if (!roleAtLeast(role, "admin")) {
      await auditRequest(ctx, {
        action: "auth.access.denied",
        target: { type: "route", id: "POST /reports (settings)" },
        summary: `${auth.user.email} (${role}) needs admin to change the report schedule`,
        details: { role, required: "admin" },
      });
      throw new HttpError(403, `This needs the admin role or higher; you are ${role}.`, {
        code: "role_required",
        details: { required: "admin", role },
      });
    }
    const input = settingsFromForm(values);
    try {
      const { changes } = await updateReportSettings(
        ctx.state.services,
        auth,
        input,
        clientOf(ctx),
      );
      const done = Object.keys(changes).length > 0 ? "settings" : "unchanged";
      return seeOther(ctx, `/reports?done=${done}`);
    } catch (error) {
      const { status, errors, message } = formErrorsOf(error, input);
      return render(ctx, {
        settingsForm: { values: keptFormValues(values, SETTINGS_FIELDS), errors },
        status,
        message,
      });
    }
  },
  async send(ctx: Ctx, values: Record<string, string>) {
    const input = sendFromForm(values);
    try {
      const { delivery } = await sendReportNow(
        ctx.state.services,
        authOf(ctx),
        input,
        clientOf(ctx),
      );
      return seeOther(
        ctx,
        `/reports?done=sent&queued=${delivery.deliveries.length}` +
          `&suppressed=${delivery.suppressed.length}&deduped=${delivery.deduped ? 1 : 0}`,
      );
    } catch (error) {
      const { status, errors, message } = formErrorsOf(error, input);
      return render(ctx, {
        sendForm: { values: keptFormValues(values, SEND_FIELDS), errors },
        status,
        message,
      });
    }
  },
};

export const handler = define.handlers({
  GET(ctx) {
    return render(ctx);
  },
  /** Ops (route policy): "send now"; the settings form additionally needs admin (checked above). */
  POST(ctx) {
    return runIntent(ctx, ctx.req, INTENTS);
  },
});

const FREQUENCIES: [string, string][] = [
  ["daily", "Daily (covers the last 24 hours)"],
  ["weekly", "Weekly (covers the last 7 days)"],
];

const HOURS: [string, string][] = Array.from(
  { length: 24 },
  (_, h) => [String(h), `${String(h).padStart(2, "0")}:00 UTC`],
);

function SettingsForm(props: { form: TypedBack }) {
  const { form } = props;
  return (
    <ActionForm
      intent="settings"
      id="report-settings-form"
      class="form"
      submit="Save schedule"
      pending="Saving…"
      buttonClass="button-primary"
    >
      <CheckField
        name="enabled"
        checked={form.values.enabled === "on"}
        label="Send the report on a schedule"
        hint="Each period is sent once, a few minutes after the hour."
      />
      <SelectField {...refill(form, "frequency")} label="Frequency" options={FREQUENCIES} />
      <SelectField
        {...refill(form, "weekday")}
        label="Day of the week (weekly reports)"
        options={WEEKDAYS.map((d, i) => [String(i), d])}
      />
      <SelectField {...refill(form, "hourUtc")} label="Hour (UTC)" options={HOURS} />
      <Field
        {...refill(form, "emails")}
        type="text"
        label="E-mail recipients"
        maxLength={6000}
        hint="Addresses separated by commas; up to 20."
      />
      <CheckField
        name="viaEndpoints"
        checked={form.values.viaEndpoints === "on"}
        label="Also send through notification endpoints"
        hint="Endpoints whose event types include “Report” receive it."
      />
    </ActionForm>
  );
}

function SendForm(props: { form: TypedBack; userEmail: string }) {
  const { form } = props;
  return (
    <ActionForm
      intent="send"
      id="report-send-form"
      class="form"
      submit="Send now"
      pending="Sending…"
      buttonClass="button-primary"
    >
      <SelectField
        {...refill(form, "period")}
        id="f-send-period"
        label="Period"
        options={[["day", "The last 24 hours"], ["week", "The last 7 days"]]}
      />
      <Field
        {...refill(form, "emails")}
        id="f-send-emails"
        type="text"
        label="To"
        maxLength={6000}
        hint={`Addresses separated by commas; empty: to you (${props.userEmail}).`}
      />
      <CheckField
        name="viaEndpoints"
        checked={form.values.viaEndpoints === "on"}
        id="f-send-viaEndpoints"
        label="Through the notification endpoints that take reports"
        hint="Instead of you, unless addresses are given too."
      />
    </ActionForm>
  );
}

export default define.page<typeof handler>(({ data }) => (
  <>
    <header class="page-header">
      <h1>Reports</h1>
    </header>
    <Messages flash={data.flash} message={data.message} />
    <div class="cards">
      <SectionCard name="schedule" title="Schedule">
        <dl class="facts" id="report-schedule">
          <dt>Status</dt>
          <dd>{data.settings.enabled ? `On: ${data.schedule}` : "Off"}</dd>
          <dt>E-mail to</dt>
          <dd>{data.settings.emails.length ? data.settings.emails.join(", ") : "nobody"}</dd>
          <dt>Endpoints</dt>
          <dd>{data.settings.viaEndpoints ? "those routed for reports" : "no"}</dd>
        </dl>
        {!data.mailConfigured && (
          <p class="muted">E-mail is not configured (SMTP_URL): addresses will not receive it.</p>
        )}
        {data.canChange
          ? <SettingsForm form={data.settingsForm} />
          : <p class="muted">Only admins change the schedule.</p>}
        {data.sends.length > 0 && (
          <>
            <h3>Recent scheduled sends</h3>
            <ul id="report-sends">
              {data.sends.map((s) => (
                <li key={s.periodKey}>
                  <code>{s.periodKey}</code> {s.state} (attempt {s.attempts}) {s.detail}
                </li>
              ))}
            </ul>
          </>
        )}
      </SectionCard>
      <SectionCard name="send" title="Send now">
        <SendForm form={data.sendForm} userEmail={data.userEmail} />
      </SectionCard>
    </div>
    <SectionCard name="preview" title="Preview">
      <p>
        <strong id="report-subject">{data.subject}</strong>{" "}
        <span class="muted">
          Show:{" "}
          <a href="/reports?period=day" aria-current={data.period === "day" ? "page" : undefined}>
            day
          </a>
          {" · "}
          <a href="/reports?period=week" aria-current={data.period === "week" ? "page" : undefined}>
            week
          </a>
        </span>
      </p>
      <div
        class="report-preview"
        id="report-preview"
        tabIndex={0}
        role="region"
        aria-label="Report preview"
        // deno-lint-ignore react-no-danger -- renderReportHtml escapes every value; no scripts, no inline styles
        dangerouslySetInnerHTML={{ __html: data.previewHtml }}
      />
      <details>
        <summary>Plain-text version</summary>
        <pre class="report-text" id="report-text" tabIndex={0}>{data.text}</pre>
      </details>
    </SectionCard>
  </>
));
