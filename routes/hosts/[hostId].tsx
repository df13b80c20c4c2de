import { z } from "zod";
import { define } from "@/lib/define.ts";
import { type FreshContext, type PageResponse } from "@/lib/fresh/mod.ts";
import { formPage } from "@/lib/http/form_page.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { deleteHostConfirmed, editHost, hostKeyAction, hostOr404 } from "@/lib/hosts/admin.ts";
import { type HostPageData, hostPageData } from "@/lib/ui/host_page.ts";
import { hostHistory } from "@/lib/ui/host_history.ts";
import { type HostRemediation, hostRemediation } from "@/lib/ui/remediation.ts";
import {
  type FieldErrors,
  flashOf,
  type FormProblem,
  formProblem,
  parseValues,
  runIntent,
} from "@/lib/ui/forms.ts";
import { seeOther } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { onceOwner, putOnce, takeOnce } from "@/lib/ui/once_result.ts";
import { Messages, Notice } from "@/components/Notice.tsx";
import { HeartbeatBadge, SeverityBadge, Tags, Time } from "@/components/HostBadges.tsx";
import HostLive from "@/islands/HostLive.tsx";
import { liveCursor } from "@/lib/live/changes.ts";
import { PortsTable, ThreatList, VitalsCard } from "@/components/HostFindings.tsx";
import { DeleteHostForm, HostKeys } from "@/components/HostKeys.tsx";
import { BreachesTable, TimelineList } from "@/components/HostHistory.tsx";
import { HostSettingsForm } from "@/components/HostSettings.tsx";
import { HostRemediationSection } from "@/components/Remediation.tsx";
import { type HostChartsData, hostChartsData } from "@/lib/charts/page_data.ts";
import { HostTrends } from "@/components/Trends.tsx";
import {
  type HostSettingsValues,
  settingsErrors,
  settingsPatch,
  storedSettings,
  typedSettings,
} from "@/lib/ui/host_settings.ts";

const FLASH = { revoked: "Key revoked.", settings: "Settings saved." };

interface Data extends HostPageData {
  history: Awaited<ReturnType<typeof hostHistory>>;
  /** Response options ranked for the open breaches and latest findings; the latest runs. */
  remediation: HostRemediation;
  manage: boolean;
  /** The deployment's expected push interval (minutes), what an empty host interval means. */
  heartbeatDefault: number;
  /** A token created by this POST: shown only in this response. */
  newToken?: { token: string; prefix: string; rotated: boolean };
  deleteError?: string;
  /** The settings form: stored values, or what was typed with its errors after a failed POST. */
  settings: { values: HostSettingsValues; errors: FieldErrors };
  /** The new-key form after a refused create: the label as typed and its error. */
  keyForm?: { label: string; error?: string };
  flash?: string;
  message?: string;
  /** Live updates: the change feed's newest id at render time, and the render time. */
  live: { cursor: string; now: string };
  /** Trend charts for `?period=` (24 h default). */
  charts: HostChartsData;
}

type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  extra: Partial<Pick<Data, "newToken" | "deleteError" | "flash" | "settings" | "keyForm">> = {},
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const { services } = ctx.state;
  const host = await hostOr404(services, auth.org!.id, ctx.params.hostId);
  // The cursor first: whatever changes while the page is read is replayed by the stream.
  const cursor = await liveCursor(services.kv, host.orgId);
  const [data, history, charts] = await Promise.all([
    hostPageData(services, host),
    hostHistory(services, host.orgId, host.id),
    hostChartsData(services, host, ctx.url),
  ]);
  const remediation = await hostRemediation(services, host, [
    ...history.breaches,
    ...data.findings,
    ...data.threats.map((t) => ({ code: t.code, severity: "critical" as const })),
  ]);
  ctx.state.title = host.name;
  return formPage<Data>({
    ...data,
    history,
    remediation,
    charts,
    settings: { values: storedSettings(host), errors: {} },
    heartbeatDefault: services.config.heartbeat.expectedMinutes,
    live: { cursor, now: services.clock.now().toISOString() },
    ...extra,
    manage: roleAtLeast(auth.org!.role, "admin"),
    message: problem && !extra.deleteError
      ? problem.message ?? Object.values(problem.errors)[0]
      : undefined,
  }, problem);
}

const KeyId = z.string().min(1).max(64);
/** A key label's limit (`lib/hosts/keys.ts`); the form says so instead of cutting the label. */
const KEY_LABEL_MAX = 80;

async function keyAction(ctx: Ctx, body: Record<string, unknown>) {
  try {
    return await hostKeyAction(
      ctx.state.services,
      authOf(ctx),
      ctx.params.hostId,
      body,
      clientOf(ctx),
    );
  } catch (error) {
    return formProblem(error);
  }
}

function shownToken(result: { body: Record<string, unknown> }, rotated: boolean) {
  const secret = result.body.secret as { token: string };
  const key = result.body.key as { prefix: string };
  return { token: secret.token, prefix: key.prefix, rotated };
}

/**
 * Post/Redirect/Get for a new token: shown once on the GET after the redirect, so a refresh
 * never creates or rotates another key.
 */
async function showTokenOnce(ctx: Ctx, token: NonNullable<Data["newToken"]>) {
  const owner = onceOwner(authOf(ctx), ctx.params.hostId);
  const id = await putOnce(ctx.state.services, owner, "token", token);
  return seeOther(ctx, `/hosts/${ctx.params.hostId}?token=${id}#new-token`);
}

const INTENTS: Record<
  string,
  (ctx: Ctx, values: Record<string, string>) => Promise<Response | PageResponse<Data>>
> = {
  async key_create(ctx, values) {
    // Bounded only against abuse: a label over the limit is refused, never cut to fit.
    const typed = (values.label ?? "").slice(0, 1_000);
    const label = typed.trim();
    if (label.length > KEY_LABEL_MAX) {
      const error = `at most ${KEY_LABEL_MAX} characters`;
      return render(ctx, { keyForm: { label: typed, error } }, {
        status: 400,
        errors: { label: error },
        message: `label: ${error}`,
      });
    }
    const result = await keyAction(ctx, { action: "create", ...(label ? { label } : {}) });
    if ("errors" in result) {
      return render(ctx, { keyForm: { label: typed, error: result.errors.label } }, result);
    }
    return await showTokenOnce(ctx, shownToken(result, false));
  },
  async key_rotate(ctx, values) {
    const parsed = parseValues(
      z.object({ keyId: KeyId, graceSeconds: z.coerce.number().int().min(0).max(604_800) }),
      values,
    );
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    const result = await keyAction(ctx, {
      action: "rotate",
      sourceKeyId: parsed.data.keyId,
      graceSeconds: parsed.data.graceSeconds,
    });
    if ("errors" in result) return render(ctx, {}, result);
    return await showTokenOnce(ctx, shownToken(result, true));
  },
  async key_revoke(ctx, values) {
    const parsed = parseValues(z.object({ keyId: KeyId }), values);
    if (!parsed.ok) return render(ctx, {}, parsed.problem);
    const result = await keyAction(ctx, { action: "revoke", keyId: parsed.data.keyId });
    if ("errors" in result) return render(ctx, {}, result);
    return seeOther(ctx, `/hosts/${ctx.params.hostId}?done=revoked`);
  },
  async settings(ctx, values) {
    const typed = typedSettings(values);
    const patch = settingsPatch(typed);
    if ("errors" in patch) {
      return render(ctx, { settings: { values: typed, errors: patch.errors } }, {
        status: 400,
        errors: patch.errors,
        message: "Check the settings marked below.",
      });
    }
    try {
      await editHost(
        ctx.state.services,
        authOf(ctx),
        ctx.params.hostId,
        patch.patch,
        clientOf(ctx),
      );
    } catch (error) {
      const { problem, errors } = settingsErrors(error);
      return render(ctx, { settings: { values: typed, errors } }, {
        ...problem,
        message: "Check the settings marked below.",
      });
    }
    return seeOther(ctx, `/hosts/${ctx.params.hostId}?done=settings`);
  },
  async delete(ctx, values) {
    try {
      await deleteHostConfirmed(
        ctx.state.services,
        authOf(ctx),
        ctx.params.hostId,
        { confirm: (values.confirm ?? "").slice(0, 80) },
        clientOf(ctx),
      );
    } catch (error) {
      const problem = formProblem(error);
      return render(ctx, { deleteError: problem.errors.confirm ?? problem.message }, problem);
    }
    return seeOther(ctx, "/hosts?done=deleted");
  },
};

export const handler = define.handlers({
  async GET(ctx) {
    const id = ctx.url.searchParams.get("token");
    const auth = authOf(ctx);
    // With a token to show, the host first: a link to a missing or foreign host is a 404 and
    // leaves the token alone (without one, the page's own read answers that).
    const newToken = id !== null && roleAtLeast(auth.org!.role, "admin")
      ? await takeOnce(
        ctx.state.services,
        onceOwner(auth, (await hostOr404(ctx.state.services, auth.org!.id, ctx.params.hostId)).id),
        "token",
        id,
      )
      : undefined;
    const gone = id !== null && !newToken
      ? "The key's token was shown once; rotate the key if it was not saved."
      : undefined;
    return render(ctx, { flash: gone ?? flashOf(ctx.url, FLASH), newToken });
  },
  async POST(ctx) {
    // Another organization's host (or none) is a 404 before any form is read.
    await hostOr404(ctx.state.services, authOf(ctx).org!.id, ctx.params.hostId);
    return runIntent(ctx, ctx.req, INTENTS);
  },
});

/** Whether the host runner is polling for jobs (agent-protocol Part 5: within 60 s). */
function JobChannelNote(props: { channel: NonNullable<Data["jobChannel"]> }) {
  const { connected, lastPollAt } = props.channel;
  if (connected) return <span>· job channel connected</span>;
  if (lastPollAt === null) return <span>· the host runner has not polled for jobs yet</span>;
  return (
    <span>
      · job channel not connected (last poll <Time iso={lastPollAt} />)
    </span>
  );
}

function LatestFacts(props: { data: Data }) {
  const { latest, host } = props.data;
  if (!latest) {
    return (
      <p>
        No snapshot yet. Run the push command from the onboarding page on the server, or check the
        agent's timer and the key below.
      </p>
    );
  }
  return (
    <dl class="facts">
      <dt>Collected</dt>
      <dd>
        <Time iso={latest.ts} />
      </dd>
      <dt>Received</dt>
      <dd>
        <Time iso={latest.receivedAt} />
      </dd>
      <dt>Agent version</dt>
      <dd>{host.agentVersion ?? <span class="muted">unknown</span>}</dd>
      {latest.reportedHost && (
        <>
          <dt>Reported hostname</dt>
          <dd>
            <code>{latest.reportedHost}</code>
          </dd>
        </>
      )}
      <dt>Alerts</dt>
      <dd>{latest.counts.alertsCount}</dd>
      <dt>Public ports</dt>
      <dd>
        {latest.counts.publicPortsTotalCount} ({latest.counts.unexpectedPublicPortsCount ??
          latest.counts.publicPortsCount} unexpected)
      </dd>
      <dt>Signals</dt>
      <dd>
        {(["critical", "high", "medium", "low"] as const)
          .map((s) => `${latest.bySeverity[s]} ${s}`).join(", ")}
      </dd>
      <dt>Warnings</dt>
      <dd>
        {latest.warnings.length === 0 ? "none" : (
          <ul class="plain">
            {latest.warnings.map((w) => (
              <li key={w}>
                <code>{w}</code>
              </li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}

export default define.page<typeof handler>(({ data }) => (
  <>
    <header class="page-header host-header">
      <div>
        <p class="crumbs">
          <a href="/hosts">Hosts</a>
        </p>
        <h1>{data.host.name}</h1>
        <p class="muted">
          <code>{data.host.slug}</code>
          {data.host.group && <span>{` · group ${data.host.group}`}</span>}
          {data.host.paused && <span>· paused</span>}
          {data.host.disabled && <span>· disabled</span>}
          {data.host.heartbeatExpectedMinutes !== null && (
            <span>{` · expects a push every ${data.heartbeat.expectedMinutes} min`}</span>
          )}
          {data.jobChannel && <JobChannelNote channel={data.jobChannel} />}
        </p>
        <Tags tags={data.host.tags} />
      </div>
      <HeartbeatBadge state={data.heartbeat.state} label={data.heartbeat.label} />
    </header>
    <Messages flash={data.flash} message={data.message} />
    {data.newToken && (
      <Notice kind="info">
        <p>
          {data.newToken.rotated ? "Key rotated. " : "Key created. "}
          <strong>This token is shown only now</strong>: put it in the host's
          /etc/vps-sentry-push-web.env before you leave this page.
        </p>
        <p>
          <code class="secret" id="new-token">{data.newToken.token}</code>
        </p>
      </Notice>
    )}
    <HostLive
      hostId={data.host.id}
      live={data.live}
      initial={{
        posture: data.posture,
        lastSnapshot: data.latest?.ts ?? null,
        breaches: data.history.breaches.length,
        more: data.history.moreBreaches,
      }}
    />
    <section class="card" aria-labelledby="threats-title">
      <h2 id="threats-title">Threats</h2>
      <ThreatList threats={data.threats} />
    </section>
    <div class="cards">
      <section class="card" aria-labelledby="breaches-title">
        <h2 id="breaches-title">Open breaches</h2>
        <BreachesTable
          rows={data.history.breaches}
          more={data.history.moreBreaches}
        />
      </section>
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <TimelineList rows={data.history.timeline} />
      </section>
    </div>
    <HostRemediationSection
      hostId={data.host.id}
      options={data.remediation.options}
      runs={data.remediation.runs}
    />
    <div class="cards">
      <section class="card" aria-labelledby="latest-title">
        <h2 id="latest-title">Latest snapshot</h2>
        <LatestFacts data={data} />
      </section>
      <section class="card" aria-labelledby="vitals-title">
        <h2 id="vitals-title">Vitals</h2>
        <VitalsCard vitals={data.vitals} />
      </section>
    </div>
    <HostTrends charts={data.charts} hostName={data.host.name} />
    <section class="card" aria-labelledby="ports-title">
      <h2 id="ports-title">Public ports</h2>
      <PortsTable ports={data.ports} />
    </section>
    {data.findings.length > 0 && (
      <section class="card" aria-labelledby="findings-title">
        <h2 id="findings-title">Other findings</h2>
        <ul class="plain findings">
          {data.findings.map((f, i) => (
            <li key={`${f.code}-${i}`}>
              <SeverityBadge severity={f.severity} /> {f.title} <code class="muted">{f.code}</code>
            </li>
          ))}
        </ul>
      </section>
    )}
    <section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">Keys</h2>
      <HostKeys keys={data.keys} manage={data.manage} keyForm={data.keyForm} />
    </section>
    {data.manage && (
      <section class="card" aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <HostSettingsForm
          values={data.settings.values}
          errors={data.settings.errors}
          heartbeatDefault={data.heartbeatDefault}
        />
      </section>
    )}
    {data.manage && (
      <section class="card danger-zone" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete host</h2>
        <DeleteHostForm slug={data.host.slug} error={data.deleteError} />
      </section>
    )}
  </>
));
