import { PROFILE_NAMES, type ProfileName } from "@/lib/remediation/profiles.ts";
import { RISK_TIERS, type RiskTier } from "@/lib/remediation/types.ts";
import { RISK_LABELS } from "@/lib/ui/remediation.ts";
import { ActionForm, type ActionFormProps, refill } from "@/components/ActionForm.tsx";
import { Field, SelectField } from "@/components/Field.tsx";
import { Time } from "@/components/HostBadges.tsx";

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

/** A failed policy form: which one, what was typed, the error per field. */
export interface PolicyFailure {
  intent: "freeze" | "settings";
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
