import { define } from "@/lib/define.ts";
import { type FreshContext, HttpError, page, type PageResponse } from "@/lib/fresh/mod.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { createIncidentByHand } from "@/lib/incidents/admin.ts";
import { incidentListQuery } from "@/lib/incidents/list_input.ts";
import { INCIDENT_SEVERITIES, INCIDENT_STATES } from "@/lib/incidents/model.ts";
import { type IncidentRow, incidentRows, memberOptions } from "@/lib/incidents/page_data.ts";
import {
  type IncidentCounts,
  incidentCounts,
  incidentListOptions,
  listIncidentsPage,
} from "@/lib/incidents/query.ts";
import { formObject } from "@/lib/http/input.ts";
import { type FieldErrors, type FormProblem, formProblem, queryValues } from "@/lib/ui/forms.ts";
import { hostOptions } from "@/lib/ui/host_names.ts";
import { seeOther, withQuery } from "@/lib/ui/navigation.ts";
import type { State } from "@/lib/state.ts";
import { Field, Hidden, SelectField } from "@/components/Field.tsx";
import { ChoiceFilter, ListFilterForm } from "@/components/ListFilters.tsx";
import { ListSection } from "@/components/ListSection.tsx";
import { Messages } from "@/components/Notice.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";
import { IncidentTable } from "./(_components)/IncidentTable.tsx";
import { TextArea } from "./(_components)/TextArea.tsx";

const FILTERS = ["state", "severity", "host", "assignee", "overdue"] as const;
const KEPT = [...FILTERS, "limit"] as const;

interface Data {
  values: Record<string, string>;
  errors: FieldErrors;
  rows: IncidentRow[];
  counts: IncidentCounts;
  hosts: [string, string][];
  members: [string, string][];
  nextHref: string | null;
  paged: boolean;
  /** Ops and above open incidents by hand. */
  manage: boolean;
  create?: { values: Record<string, string>; errors: FieldErrors };
  message?: string;
}

type Ctx = FreshContext<State>;

async function render(
  ctx: Ctx,
  create?: Data["create"],
  problem?: FormProblem,
): Promise<PageResponse<Data>> {
  const auth = authOf(ctx);
  const orgId = auth.org!.id;
  const { services } = ctx.state;
  const now = services.clock.now();
  ctx.state.title = "Incidents";
  const values = queryValues(ctx.url, KEPT);
  const base = {
    values,
    counts: await incidentCounts(services.ledger, orgId, now),
    hosts: await hostOptions(services, orgId),
    members: await memberOptions(services, orgId),
    paged: ctx.url.searchParams.has("after"),
    manage: roleAtLeast(auth.org!.role, "ops"),
    create,
    message: problem && Object.keys(problem.errors).length === 0 ? problem.message : undefined,
  };
  let rows: IncidentRow[] = [];
  let nextHref: string | null = null;
  let errors: FieldErrors = {};
  let status = problem?.status ?? 200;
  try {
    const q = incidentListQuery(ctx.url);
    const { incidents, nextCursor } = await listIncidentsPage(
      services.ledger,
      orgId,
      incidentListOptions(q),
      now,
    );
    rows = await incidentRows(services, orgId, incidents, base.members, now);
    if (nextCursor) nextHref = withQuery("/incidents", { ...values, after: nextCursor });
  } catch (error) {
    if (!(error instanceof HttpError) || error.status !== 400) throw error;
    errors = formProblem(error).errors;
    status = 400;
  }
  return page<Data>({ ...base, rows, nextHref, errors }, {
    status,
    headers: { "cache-control": "no-store" },
  });
}

export const handler = define.handlers({
  GET(ctx) {
    return render(ctx);
  },
  async POST(ctx) {
    const values = await formObject(ctx.req);
    // Sent as typed, so an over-long title or summary is refused (400 naming the field), never
    // cut short; kept (bounded) to show again.
    const kept = {
      title: (values.title ?? "").slice(0, 8000),
      severity: (values.severity ?? "").slice(0, 64),
      hostId: (values.hostId ?? "").slice(0, 200),
      summary: (values.summary ?? "").slice(0, 16000),
    };
    if (values.intent !== "create") {
      throw new HttpError(400, "intent: unknown form", { details: { field: "intent" } });
    }
    try {
      const incident = await createIncidentByHand(ctx.state.services, authOf(ctx), {
        title: kept.title,
        severity: kept.severity,
        summary: kept.summary,
        hostIds: kept.hostId ? [kept.hostId] : [],
      }, clientOf(ctx));
      return seeOther(ctx, `/incidents/${incident.id}?done=opened`);
    } catch (error) {
      const problem = formProblem(error, { "hostIds.0": "hostId" });
      return render(ctx, { values: kept, errors: problem.errors }, problem);
    }
  },
});

function Counts(props: { counts: IncidentCounts }) {
  const items: [string, number, string][] = [
    ["open", props.counts.open, "/incidents?state=open"],
    ["overdue", props.counts.overdue, "/incidents?overdue=1"],
    ["acknowledged", props.counts.acknowledged, "/incidents?state=acknowledged"],
    ["resolved", props.counts.resolved, "/incidents?state=resolved"],
    ["closed", props.counts.closed, "/incidents?state=closed"],
  ];
  return (
    <dl class="stat-list incident-counts">
      {items.map(([label, n, href]) => (
        <div key={label} class={`stat stat-${label === "overdue" && n > 0 ? "critical" : label}`}>
          <dt>
            <a href={href}>{label}</a>
          </dt>
          <dd data-count={label}>{n}</dd>
        </div>
      ))}
    </dl>
  );
}

function CreateForm(props: { data: Data }) {
  const { create, hosts } = props.data;
  return (
    <details class="card" open={create !== undefined}>
      <summary>Open an incident by hand</summary>
      <form method="post" class="form">
        <Hidden name="intent" value="create" />
        <Field
          name="title"
          label="Title"
          value={create?.values.title}
          error={create?.errors.title}
          maxLength={200}
          required
        />
        <SelectField
          name="severity"
          label="Severity"
          value={create?.values.severity || "high"}
          error={create?.errors.severity}
          options={INCIDENT_SEVERITIES.map((s): [string, string] => [s, s])}
        />
        <SelectField
          name="hostId"
          label="Host"
          value={create?.values.hostId}
          error={create?.errors.hostId}
          options={[["", "None"], ...hosts]}
        />
        <TextArea
          name="summary"
          label="Summary"
          value={create?.values.summary}
          error={create?.errors.summary}
          hint="What is happening, and what is known so far"
          maxLength={4000}
        />
        <div>
          <SubmitButton label="Open incident" pendingLabel="Opening…" class="button-primary" />
        </div>
      </form>
    </details>
  );
}

export default define.page<typeof handler>(({ data }) => {
  const anyIncident = Object.values(data.counts).some((n) => n > 0);
  return (
    <>
      <header class="page-header section-head">
        <h1>Incidents</h1>
        <a href="/escalation">Escalation policy</a>
      </header>
      <Messages message={data.message} />
      <section class="card" aria-label="Counts">
        <Counts counts={data.counts} />
      </section>
      <ListFilterForm action="/incidents">
        <ChoiceFilter filters={data} name="state" label="State" options={INCIDENT_STATES} />
        <ChoiceFilter
          filters={data}
          name="severity"
          label="Severity"
          options={INCIDENT_SEVERITIES}
        />
        <ChoiceFilter filters={data} name="host" label="Host" options={data.hosts} />
        <ChoiceFilter
          filters={data}
          name="assignee"
          label="Assignee"
          anyLabel="Anyone"
          options={data.members}
        />
        <ChoiceFilter
          filters={data}
          name="overdue"
          label="Acknowledgement"
          options={[["1", "Overdue only"]]}
        />
      </ListFilterForm>
      <ListSection
        list={data}
        path="/incidents"
        filterNames={FILTERS}
        noun="incident"
        titleId="incidents-title"
        title="Incidents"
        olderTitle="Older incidents"
        emptyText={anyIncident
          ? "No incident here."
          : "No incident yet. Critical signals and critical breaches open one automatically " +
            "(one per host and finding); set who gets paged under Escalation policy, or " +
            "open one by hand below."}
      >
        <IncidentTable rows={data.rows} />
      </ListSection>
      {data.manage && <CreateForm data={data} />}
    </>
  );
});
