import type { EnrolmentView } from "@/lib/ui/totp.ts";
import { Field, Hidden } from "./Field.tsx";
import { IntentButton } from "./IntentButton.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

/** Recovery codes, shown once right after they are made. */
export function RecoveryCodes(props: { codes: string[] }) {
  return (
    <section class="recovery" aria-labelledby="recovery-title">
      <h3 id="recovery-title">Your recovery codes</h3>
      <p>
        Store them somewhere safe now: they are shown only this once. Each one signs you in once
        when your authenticator is not at hand. Older codes no longer work.
      </p>
      <ol class="codes">
        {props.codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p>
        <a href="/account">I have stored them</a>
      </p>
    </section>
  );
}

/** Off: a button to start. Enrolling: QR, secret, code. On: new recovery codes, or turn it off. */
export function TotpSection(props: {
  enabled: boolean;
  recoveryCodesLeft: number;
  enrolment?: EnrolmentView;
  recoveryCodes?: string[];
  errors: Record<string, string>;
}) {
  const { enrolment, errors } = props;
  return (
    <section class="card" aria-labelledby="totp-title">
      <h2 id="totp-title">Two-step verification</h2>
      {props.recoveryCodes && <RecoveryCodes codes={props.recoveryCodes} />}
      {!props.enabled && !enrolment && (
        <>
          <p>Off. Add an authenticator app so a stolen password alone cannot sign in as you.</p>
          <IntentButton intent="totp_start" label="Set up an authenticator app" primary />
        </>
      )}
      {!props.enabled && enrolment && (
        <div class="enrol">
          <img
            class="qr"
            src={enrolment.qrDataUri}
            alt="QR code to scan with your authenticator app"
            width="200"
            height="200"
          />
          <div>
            <p>Scan the code with your authenticator app, or enter this key by hand:</p>
            <p>
              <code class="secret" id="totp-secret">{enrolment.secret}</code>
            </p>
            <form method="post" class="form">
              <Hidden name="intent" value="totp_confirm" />
              <Field
                name="code"
                label="Code from the app"
                error={errors.code}
                autocomplete="one-time-code"
                inputmode="numeric"
                maxLength={6}
                hint="Six digits; it proves the app has the key. The set-up expires after 10 minutes."
                required
              />
              <SubmitButton class="button-primary" label="Turn on" pendingLabel="Turning on…" />
            </form>
          </div>
        </div>
      )}
      {props.enabled && (
        <>
          <p>
            On. {props.recoveryCodesLeft}{" "}
            unused recovery code{props.recoveryCodesLeft === 1 ? "" : "s"} left.
          </p>
          <IntentButton intent="recovery_codes" label="Make new recovery codes" />
          <form method="post" class="form">
            <Hidden name="intent" value="totp_disable" />
            <Field
              id="f-disable-password"
              name="password"
              label="Password, to turn two-step verification off"
              type="password"
              error={errors.password}
              autocomplete="current-password"
              required
            />
            <SubmitButton class="button-danger" label="Turn off" pendingLabel="Turning off…" />
          </form>
        </>
      )}
    </section>
  );
}
