import { PROFILE_NAMES, type ProfileName } from "@/lib/remediation/profiles.ts";
import { RISK_TIERS, type RiskTier } from "@/lib/remediation/types.ts";
import { RISK_LABELS } from "@/lib/ui/remediation.ts";
import {
  ActionForm,
  type ActionFormProps,
  refill,
  type TypedBack,
} from "@/components/ActionForm.tsx";
import { Field, SelectField } from "@/components/Field.tsx";
import { shortUtc, Time } from "@/components/HostBadges.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import { TableFrame } from "@/components/TableFrame.tsx";

/** The organization's remediation policy as the queue and policy pages show it. */
export interface PolicyView {
  profile: ProfileName;
  frozen: boolean;
  frozenReason: string | null;
  approvalThreshold: RiskTier;
  updatedBy: string | null;
  updatedAt: string | null;
  knobs: {
    cooldownSec: number;
    maxExecutesPerHostPerHour: number;
    maxQueuedPerHost: number;
    maxQueuedGlobal: number;
    queueTtlMin: number;
    dryRunMaxAgeMin: number;
  };
}

/** A maintenance window as the policy page lists it. */
export interface WindowView {
  /** Names the window in a remove form (see `windowKey`). */
  key: string;
  /** Start and end in UTC (`…Z`), whatever offset they were stored with. */
  startsAt: string;
  endsAt: string;
  reason: string | null;
  state: "active" | "upcoming" | "past";
}

/** The policy's maintenance windows as the policy page shows them. */
export interface WindowsView {
  /** Earliest first. */
  rows: WindowView[];
  /** The most windows a policy holds. */
  max: number;
  profile: ProfileName;
  /** The profile holds operators' executes in a window too, not only automation's. */
  operatorsToo: boolean;
}

/** A failed policy form: which one, what was typed, the error per field. */
export interface PolicyFailure {
  intent: "freeze" | "settings" | "add_window";
  values: Record<string, string>;
  errors: Record<string, string>;
}

const PROFILE_LABELS: Record<ProfileName, string> = {
  strict: "strict: long cooldowns, small queues, approval from safe actions up",
  balanced: "balanced: the defaults",
  rapid: "rapid: short cooldowns, bigger queues, approval for risky actions only",
};

/** One of the policy card's forms: they all post to the policy page. */
function PolicyForm(props: Omit<ActionFormProps, "action" | "class">) {
  return <ActionForm action="/remediation/policy" class="form rem-form" {...props} />;
}

/**
 * The kill switch, profile and approval threshold: read for ops, forms (posting to
 * `/remediation/policy`) for admins and owners.
 */
export function PolicyCard(
  props: { policy: PolicyView; canChange: boolean; failed?: PolicyFailure },
) {
  const { policy, canChange, failed } = props;
  const k = policy.knobs;
  const freezeFailed = failed?.intent === "freeze" ? failed : undefined;
  const settingsFailed = failed?.intent === "settings" ? failed : undefined;
  return (
    <section
      class={policy.frozen ? "card danger-zone" : "card"}
      aria-labelledby="policy-title"
      id="policy"
    >
      <h2 id="policy-title">Policy and kill switch</h2>
      <p class="kill-switch" data-frozen={policy.frozen ? "true" : "false"}>
        {policy.frozen
          ? (
            <>
              <strong class="pill pill-bad">Remediation frozen</strong>{" "}
              No execute runs anywhere in this organization until an admin lifts the freeze;
              dry-runs and rollbacks still run.
              {policy.frozenReason && <span class="wrap">{` Reason: ${policy.frozenReason}`}</span>}
            </>
          )
          : (
            <>
              <span class="pill pill-ok">Not frozen</span> Executes run when the guards allow them.
            </>
          )}
      </p>
      <dl class="facts">
        <dt>Profile</dt>
        <dd>{policy.profile}</dd>
        <dt>Approval</dt>
        <dd>
          a second person approves executes from{" "}
          <strong>
            {RISK_LABELS[policy.approvalThreshold]}
          </strong>{" "}
          up (and every risky one)
        </dd>
        <dt>Guards</dt>
        <dd>
          cooldown {k.cooldownSec} s per host and action · {k.maxExecutesPerHostPerHour}{" "}
          executes per host per hour · {k.maxQueuedPerHost} queued per host, {k.maxQueuedGlobal}
          {" "}
          in all · queue TTL {k.queueTtlMin} min · dry-run valid {k.dryRunMaxAgeMin} min
        </dd>
        {policy.updatedAt && (
          <>
            <dt>Changed</dt>
            <dd>
              <Time iso={policy.updatedAt} />
              {policy.updatedBy && ` by ${policy.updatedBy}`}
            </dd>
          </>
        )}
      </dl>
      {!canChange && (
        <p class="muted">Admins and owners freeze remediation and change the policy.</p>
      )}
      {canChange && (
        <div class="breach-actions">
          {policy.frozen
            ? (
              <PolicyForm
                id="unfreeze-form"
                intent="unfreeze"
                title="Lift the freeze"
                submit="Unfreeze remediation"
                pending="Unfreezing…"
              />
            )
            : (
              <PolicyForm
                id="freeze-form"
                intent="freeze"
                title="Kill switch"
                submit="Freeze remediation"
                pending="Freezing…"
                buttonClass="button-danger"
              >
                <Field
                  id="freeze-reason"
                  {...refill(freezeFailed, "reason")}
                  label="Reason"
                  hint="Shown to everyone who meets the freeze, e.g. the incident."
                  maxLength={500}
                  required
                />
              </PolicyForm>
            )}
          <PolicyForm
            id="policy-form"
            intent="settings"
            title="Profile and approval"
            submit="Save policy"
            pending="Saving…"
            buttonClass="button-primary"
          >
            <SelectField
              id="policy-profile"
              {...refill(settingsFailed, "profile", policy.profile)}
              label="Guard profile"
              options={PROFILE_NAMES.map((p): [string, string] => [p, PROFILE_LABELS[p]])}
            />
            <SelectField
              id="policy-threshold"
              {...refill(settingsFailed, "approvalThreshold", policy.approvalThreshold)}
              label="Approval from risk"
              options={RISK_TIERS.map((t): [string, string] => [t, RISK_LABELS[t]])}
              hint="Executes at or above this risk wait for a second person's approval."
            />
          </PolicyForm>
        </div>
      )}
    </section>
  );
}

const WINDOW_STATES: Record<WindowView["state"], { label: string; pill: string }> = {
  active: { label: "in effect", pill: "pill pill-bad" },
  upcoming: { label: "upcoming", pill: "pill" },
  past: { label: "past", pill: "pill run-off" },
};

/** The windows as a table: state, start, end, reason, and a remove button for admins. */
function WindowsTable(props: { rows: WindowView[]; canChange: boolean }) {
  return (
    <TableFrame
      label="Maintenance windows table"
      id="windows-table"
      caption="Maintenance windows, earliest first, in UTC"
      columns={["Starts", "Ends", "Reason", props.canChange && "Actions"]}
    >
      {props.rows.map((w) => {
        const state = WINDOW_STATES[w.state];
        const span = `${shortUtc(w.startsAt)} to ${shortUtc(w.endsAt)}`;
        return (
          <tr
            key={w.key}
            data-window={w.key}
            data-state={w.state}
            class={w.state === "past" ? "muted" : undefined}
          >
            <th scope="row" class="nowrap">
              <span class={state.pill}>{state.label}</span> <Time iso={w.startsAt} absolute />
            </th>
            <td class="nowrap">
              <Time iso={w.endsAt} absolute />
            </td>
            <td class="wrap">{w.reason ?? <span class="muted">none given</span>}</td>
            {props.canChange && (
              <td>
                <IntentButton
                  intent="remove_window"
                  fields={{ window: w.key }}
                  label="Remove"
                  pendingLabel="Removing…"
                  ariaLabel={`Remove the ${state.label} window ${span}`}
                />
              </td>
            )}
          </tr>
        );
      })}
    </TableFrame>
  );
}

/**
 * The maintenance windows of the policy: listed for ops (past ones muted); admins and owners
 * add windows (times typed as UTC) and remove them, posting to the policy page.
 */
export function MaintenanceWindowsCard(
  props: { windows: WindowsView; canChange: boolean; failed?: PolicyFailure; now: string },
) {
  const { windows, canChange } = props;
  const failed: TypedBack | undefined = props.failed?.intent === "add_window"
    ? props.failed
    : undefined;
  const countError = failed?.errors.maintenanceWindows;
  const utcNow = shortUtc(props.now);
  return (
    <section class="card" aria-labelledby="windows-title" id="windows">
      <h2 id="windows-title">Maintenance windows</h2>
      <p>
        While a window is in effect automated executes wait{windows.operatorsToo
          ? `, and so do operators' executes (profile ${windows.profile})`
          : `; operators may still execute (profile ${windows.profile})`}. Notifications below
        critical are held back too.
      </p>
      {windows.rows.length === 0
        ? (
          <p class="empty" id="windows-empty">
            No maintenance windows. {canChange
              ? "Add one below before planned work, so automation keeps its hands off the hosts."
              : "Ask an admin or owner to add one before planned work."}
          </p>
        )
        : (
          <>
            <WindowsTable rows={windows.rows} canChange={canChange} />
            <p class="muted" id="windows-count">
              {windows.rows.length} of at most {windows.max} windows; past ones count until removed.
            </p>
          </>
        )}
      {canChange && (
        <ActionForm
          intent="add_window"
          title="Add a window"
          submit="Add window"
          pending="Adding…"
          class="form rem-form"
          id="window-form"
        >
          {countError && <p id="window-form-error" class="field-error">{countError}</p>}
          <Field
            type="datetime-local"
            required
            id="window-starts"
            {...refill(failed, "startsAt")}
            label="Starts (UTC)"
            hint={`Read as UTC, not your local time; it is ${utcNow} now.`}
          />
          <Field
            type="datetime-local"
            required
            id="window-ends"
            {...refill(failed, "endsAt")}
            label="Ends (UTC)"
            hint="Read as UTC; after the start."
          />
          <Field
            id="window-reason"
            {...refill(failed, "reason")}
            label="Reason (optional)"
            hint="Shown with the window, e.g. the change ticket."
            maxLength={200}
          />
        </ActionForm>
      )}
    </section>
  );
}
