import type { KeyRow } from "@/lib/ui/host_page.ts";
import { Time } from "@/components/HostBadges.tsx";
import { Field, Hidden } from "@/components/Field.tsx";
import { IntentButton } from "./IntentButton.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

const GRACE: [string, string][] = [
  ["0", "none: the old key stops now"],
  ["3600", "1 hour"],
  ["86400", "1 day"],
  ["604800", "7 days"],
];

function KeyActions(props: { k: KeyRow }) {
  const { k } = props;
  if (k.state === "revoked" || k.state === "expired") return null;
  return (
    <div class="key-actions">
      {k.state === "active" && (
        <form method="post" class="form-inline">
          <Hidden name="intent" value="key_rotate" />
          <Hidden name="keyId" value={k.id} />
          <label for={`grace-${k.id}`} class="visually-hidden">
            Grace period for {k.prefix}
          </label>
          <select id={`grace-${k.id}`} name="graceSeconds">
            {GRACE.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
          <SubmitButton
            label="Rotate"
            pendingLabel="Rotating…"
            ariaLabel={`Rotate ${k.prefix}`}
            confirm={`Rotate ${k.prefix}? Without a grace period the old key stops working at once.`}
          />
        </form>
      )}
      <IntentButton
        intent="key_revoke"
        fields={{ keyId: k.id }}
        label="Revoke"
        danger
        ariaLabel={`Revoke ${k.prefix}`}
        confirm={`Revoke ${k.prefix}? Agents using it are refused at once.`}
      />
    </div>
  );
}

/** The host's API and signing keys; admins rotate, revoke and create them here. */
export function HostKeys(
  props: {
    keys: KeyRow[];
    manage: boolean;
    /** The new-key form after a refusal: what was typed and why. */
    keyForm?: { label: string; error?: string };
  },
) {
  return (
    <>
      {props.keys.length === 0
        ? <p>This host has no key: it cannot push until an admin creates one.</p>
        : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Host keys table">
            <table class="keys">
              <caption class="visually-hidden">Keys</caption>
              <thead>
                <tr>
                  <th scope="col">Prefix</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">State</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  {props.manage && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {props.keys.map((k) => (
                  <tr key={k.id} data-key={k.id} data-state={k.state}>
                    <th scope="row">
                      <code>{k.prefix}</code>
                      {k.label && <span class="host-slug">{k.label}</span>}
                    </th>
                    <td>
                      <ul class="plain">
                        {k.scopes.map((s) => (
                          <li key={s}>
                            <code>{s}</code>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      <span class={`pill key-${k.state}`}>{k.state}</span>
                      {k.state === "grace" && k.graceUntil && (
                        <span class="muted">
                          until <Time iso={k.graceUntil} />
                        </span>
                      )}
                    </td>
                    <td class="nowrap">
                      <Time iso={k.expiresAt} empty="never" />
                    </td>
                    <td class="nowrap">
                      <Time iso={k.lastUsedAt} empty="never" />
                      {k.lastUsedIp && <span class="host-slug">{k.lastUsedIp}</span>}
                    </td>
                    {props.manage && (
                      <td>
                        <KeyActions k={k} />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      {props.manage && (
        <form method="post" class="form-inline new-key">
          <Hidden name="intent" value="key_create" />
          <label for="f-key-label">Label</label>
          <input
            id="f-key-label"
            name="label"
            maxLength={80}
            placeholder="e.g. agent"
            value={props.keyForm?.label}
            aria-invalid={props.keyForm?.error ? "true" : undefined}
            aria-describedby={props.keyForm?.error ? "f-key-label-error" : undefined}
          />
          <SubmitButton label="New key" pendingLabel="Creating…" />
          {props.keyForm?.error && (
            <p id="f-key-label-error" class="field-error">{props.keyForm.error}</p>
          )}
        </form>
      )}
    </>
  );
}

/** Deleting the host and all its data, after typing its slug. */
export function DeleteHostForm(props: { slug: string; error?: string }) {
  return (
    <form method="post" class="form">
      <Hidden name="intent" value="delete" />
      <p>
        Deletes the host with its keys, snapshots and signals. This cannot be undone.
      </p>
      <Field
        name="confirm"
        label={`Type the slug ${props.slug} to confirm`}
        error={props.error}
        autocomplete="off"
        required
      />
      <SubmitButton class="button-danger" label="Delete host" pendingLabel="Deleting…" />
    </form>
  );
}
