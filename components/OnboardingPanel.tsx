import type { Onboarding } from "@/lib/hosts/onboarding.ts";
import { Notice } from "@/components/Notice.tsx";
import CopyButton from "@/islands/CopyButton.tsx";

function Snippet(
  props: { id: string; title: string; text: string; hint?: string; copyLabel: string },
) {
  return (
    <div class="snippet">
      <div class="snippet-head">
        <h3 id={`${props.id}-title`}>{props.title}</h3>
        <CopyButton target={props.id} label={props.copyLabel} />
      </div>
      {props.hint && <p class="muted">{props.hint}</p>}
      <pre id={props.id} class="copy" tabIndex={0} aria-labelledby={`${props.id}-title`}>
        <code>{props.text}</code>
      </pre>
    </div>
  );
}

/** The host runner alternative: its enrollment token and install command (signed ingest). */
function RunnerSnippet(props: { runner: NonNullable<Onboarding["runner"]> }) {
  const r = props.runner;
  return (
    <section class="runner-onboarding" aria-labelledby="runner-title">
      <h3 id="runner-title">Or: enroll the host runner (signed ingest)</h3>
      <p>
        Hosts that run the project's host runner sign every snapshot instead of sending a token.
        Enrolling switches the host to signed ingest, so the agent's bearer push above stops being
        accepted. The enrollment token works once, until{" "}
        {r.expiresAt.replace("T", " ").slice(0, 16)}{" "}
        UTC; after that, create a new one on the host page.
      </p>
      <dl class="facts">
        <dt>Enrollment token</dt>
        <dd>
          <code id="runner-token" class="secret">{r.token}</code>{" "}
          <CopyButton target="runner-token" label="the enrollment token" />
        </dd>
      </dl>
      <Snippet
        id="runner-command"
        title="Install and enroll the runner"
        copyLabel="the runner command"
        hint="Run on the server as root, with the runner installed."
        text={r.command}
      />
    </section>
  );
}

/** A new host's onboarding material; the page that shows it is the only place it ever appears. */
export function OnboardingPanel(
  props: { hostName: string; hostId: string; onboarding: Onboarding },
) {
  const o = props.onboarding;
  return (
    <section class="card onboarding" aria-labelledby="onboarding-title">
      <h2 id="onboarding-title">Connect {props.hostName}</h2>
      <Notice kind="info">
        <p>
          <strong>This token is shown only now.</strong>{" "}
          Copy it and the commands below before you leave this page; only its SHA-256 is stored, so
          it cannot be shown again. Lost it? Create a new key on the host page.
        </p>
      </Notice>
      <dl class="facts">
        <dt>Host id</dt>
        <dd>
          <code id="host-id">{props.hostId}</code>
        </dd>
        <dt>Token</dt>
        <dd>
          <code id="host-token" class="secret">{o.token}</code>{" "}
          <CopyButton target="host-token" label="the token" />
        </dd>
        <dt>Ingest URL</dt>
        <dd>
          <code id="ingest-url" class="secret">{o.ingestUrl}</code>
        </dd>
      </dl>
      <Snippet
        id="install-script"
        title="1. Install on the server"
        copyLabel="the install script"
        hint="Writes /etc/vps-sentry-push-web.env (root-only) and a systemd drop-in for vps-sentry."
        text={o.installScript}
      />
      <Snippet
        id="push-command"
        title="2. Push the first snapshot"
        copyLabel="the push command"
        text={o.pushCommand}
      />
      <Snippet
        id="verify-command"
        title="3. Check the key"
        copyLabel="the verify command"
        text={o.verifyCommand}
      />
      {o.runner && <RunnerSnippet runner={o.runner} />}
      <p>
        <a href={`/hosts/${props.hostId}`}>Open the host page</a>{" "}
        — it shows posture and findings after the first push.
      </p>
    </section>
  );
}
