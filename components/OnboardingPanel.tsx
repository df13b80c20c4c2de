import type { Onboarding } from "@/lib/hosts/onboarding.ts";
import { Notice } from "@/components/Notice.tsx";

function Snippet(props: { id: string; title: string; text: string; hint?: string }) {
  return (
    <div class="snippet">
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      {props.hint && <p class="muted">{props.hint}</p>}
      <pre id={props.id} class="copy" tabIndex={0} aria-labelledby={`${props.id}-title`}>
        <code>{props.text}</code>
      </pre>
    </div>
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
          <code id="host-token" class="secret">{o.token}</code>
        </dd>
        <dt>Ingest URL</dt>
        <dd>
          <code id="ingest-url" class="secret">{o.ingestUrl}</code>
        </dd>
      </dl>
      <Snippet
        id="install-script"
        title="1. Install on the server"
        hint="Writes /etc/vps-sentry-push-web.env (root-only) and a systemd drop-in for vps-sentry."
        text={o.installScript}
      />
      <Snippet
        id="push-command"
        title="2. Push the first snapshot"
        text={o.pushCommand}
      />
      <Snippet id="verify-command" title="3. Check the key" text={o.verifyCommand} />
      <p>
        <a href={`/hosts/${props.hostId}`}>Open the host page</a>{" "}
        — it shows posture and findings after the first push.
      </p>
    </section>
  );
}
