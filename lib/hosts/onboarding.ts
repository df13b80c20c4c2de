/**
 * Onboarding material for a new host, shown once: where to push, with which token, and
 * copy-paste snippets that wire the unmodified vps-sentry agent (agent-protocol §1.9).
 */

export interface Onboarding {
  hostId: string;
  token: string;
  ingestUrl: string;
  verifyUrl: string;
  /** `/etc/vps-sentry-push-web.env` (root:root 0600). */
  envFile: string;
  /** `/etc/systemd/system/vps-sentry.service.d/web-ingest.conf`. */
  dropIn: string;
  /** One shell block that installs both files and reloads systemd. */
  installScript: string;
  /** The manual push (also the onboarding test). */
  pushCommand: string;
  /** Checks the key from the host. */
  verifyCommand: string;
}

/** Single-quotes a value for POSIX shells. */
const sq = (v: string) => `'${v.replaceAll("'", `'"'"'`)}'`;

/**
 * Builds the onboarding material.
 *
 * @example
 * ```ts
 * const o = onboardingFor({ appUrl: "https://sentry.example.com/", hostId, token });
 * o.pushCommand; // curl -fsS -X POST "https://sentry.example.com/api/hosts/…/status" …
 * ```
 */
export function onboardingFor(
  input: { appUrl: string; hostId: string; token: string },
): Onboarding {
  const ingestUrl = new URL(`/api/hosts/${input.hostId}/status`, input.appUrl).href;
  const verifyUrl =
    new URL(`/api/hosts/${input.hostId}/keys/verify?scope=host.status.write`, input.appUrl).href;
  const envFile = `VPS_SENTRY_PUSH_URL=${ingestUrl}\nVPS_SENTRY_PUSH_TOKEN=${input.token}\n`;
  const dropIn = "[Service]\nExecStartPost=-/usr/local/bin/vps-sentry-push-web\n";
  const installScript = [
    "sudo install -o root -g root -m 0600 /dev/null /etc/vps-sentry-push-web.env",
    `printf '%s\\n' ${sq(`VPS_SENTRY_PUSH_URL=${ingestUrl}`)} ${
      sq(`VPS_SENTRY_PUSH_TOKEN=${input.token}`)
    } \\`,
    "  | sudo tee /etc/vps-sentry-push-web.env >/dev/null",
    "sudo mkdir -p /etc/systemd/system/vps-sentry.service.d",
    "printf '[Service]\\nExecStartPost=-/usr/local/bin/vps-sentry-push-web\\n' \\",
    "  | sudo tee /etc/systemd/system/vps-sentry.service.d/web-ingest.conf >/dev/null",
    "sudo systemctl daemon-reload",
  ].join("\n");
  const pushCommand = [
    `curl -fsS -X POST "${ingestUrl}" \\`,
    `  -H "Authorization: Bearer ${input.token}" \\`,
    `  -H "Content-Type: application/json" \\`,
    "  --data-binary @/var/lib/vps-sentry/public/status.json",
  ].join("\n");
  const verifyCommand = `curl -fsS "${verifyUrl}" \\\n  -H "Authorization: Bearer ${input.token}"`;
  return {
    hostId: input.hostId,
    token: input.token,
    ingestUrl,
    verifyUrl,
    envFile,
    dropIn,
    installScript,
    pushCommand,
    verifyCommand,
  };
}
