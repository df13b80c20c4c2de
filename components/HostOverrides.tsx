import { PROFILE_NAMES } from "@/lib/remediation/profiles.ts";
import { RISK_TIERS } from "@/lib/remediation/types.ts";
import { RISK_LABELS } from "@/lib/ui/remediation.ts";
import { OVERRIDE_NUMBER_FIELDS } from "@/lib/ui/host_override_form.ts";
import { ActionForm, refill, type TypedBack } from "@/components/ActionForm.tsx";
import { Field, SelectField } from "@/components/Field.tsx";
import { Time } from "@/components/HostBadges.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";
import { TableFrame } from "@/components/TableFrame.tsx";

/** One host's override as the overrides page lists it. */
export interface OverrideRowView {
  hostId: string;
  hostName: string;
  hostSlug: string;
  /** The override in words ("profile strict · Cooldown per action 60 s"). */
  summary: string;
  updatedAt: string;
}

/** What the override form shows: typed values and errors, or a stored override to edit. */
export type OverrideFailure = TypedBack;

/** The hosts that have an override, each with edit and (for admins) clear. */
export function OverridesTable(props: { rows: OverrideRowView[]; canChange: boolean }) {
  return (
    <SectionCard name="overrides" title="Hosts with an override">
      {props.rows.length === 0
        ? (
          <p class="muted">
            No host has an override: every host follows the organization's profile.
            {props.canChange && " Add one with the form below."}
          </p>
        )
        : (
          <TableFrame
            label="Host overrides table"
            caption="Hosts with a remediation override"
            columns={["Host", "Overrides", "Changed", props.canChange && "Actions"]}
          >
            {props.rows.map((r) => (
              <tr key={r.hostId}>
                <td>
                  <a href={`/hosts/${r.hostId}`}>{r.hostName}</a>
                </td>
                <td class="wrap">{r.summary}</td>
                <td>
                  <Time iso={r.updatedAt} />
                </td>
                {props.canChange && (
                  <td class="row-actions">
                    <a
                      href={`/remediation/overrides?host=${
                        encodeURIComponent(r.hostSlug)
                      }#override-form`}
                    >
                      Edit
                    </a>
                    <IntentButton
                      intent="clear"
                      fields={{ hostId: r.hostId }}
                      label="Clear"
                      pendingLabel="Clearing…"
                      ariaLabel={`Clear the override of ${r.hostName}`}
                    />
                  </td>
                )}
              </tr>
            ))}
          </TableFrame>
        )}
    </SectionCard>
  );
}

const INHERIT: [string, string] = ["", "inherit from the organization"];

/**
 * Sets a host's override (admins): blank fields inherit the organization's profile; saving
 * replaces the knobs this form shows, and keeps any others set through the API.
 */
export function OverrideForm(props: { form: OverrideFailure }) {
  const f = props.form;
  return (
    <SectionCard name="override-edit" title="Set a host's override">
      <ActionForm
        id="override-form"
        intent="set"
        class="form rem-form"
        submit="Save override"
        pending="Saving…"
        buttonClass="button-primary"
      >
        <Field
          id="override-host"
          {...refill(f, "host")}
          label="Host"
          hint="The host's slug, as on its page."
          maxLength={64}
          required
        />
        <SelectField
          id="override-profile"
          {...refill(f, "profile", "")}
          label="Profile"
          options={[INHERIT, ...PROFILE_NAMES.map((p): [string, string] => [p, p])]}
          hint="Another base profile for this host; the fields below apply on top of it."
        />
        <SelectField
          id="override-approval"
          {...refill(f, "approvalThreshold", "")}
          label="Approval from risk"
          options={[INHERIT, ...RISK_TIERS.map((t): [string, string] => [t, RISK_LABELS[t]])]}
        />
        {OVERRIDE_NUMBER_FIELDS.map((field) => (
          <Field
            key={field.name}
            id={`override-${field.name}`}
            {...refill(f, field.name)}
            label={field.unit ? `${field.label} (${field.unit})` : field.label}
            inputmode="numeric"
            maxLength={9}
            placeholder="inherit"
          />
        ))}
        <p class="muted">
          Empty fields inherit. A form with every field empty clears the host's override.
        </p>
      </ActionForm>
    </SectionCard>
  );
}
