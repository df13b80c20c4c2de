/**
 * Onboarding material for a new host, shown once: where to push, with which token, and
 * copy-paste snippets that wire the unmodified vps-sentry agent (agent-protocol §1.9); and,
 * for hosts that will run the project's host runner instead, its one-time enrollment token with
 * the install command (§2.2, §4.6).
 */
import { runnerInstallCommand } from "./enroll.ts";

/** The host runner's enrollment, shown once with the new host (agent-protocol §4.6). */
export interface RunnerOnboarding {
  /** The single-use enrollment token (`vs<version>_…`). */
  token: string;
  /** When the token stops working, ISO 8601; create another on the host page after that. */
  expiresAt: string;
  /** The control plane's public origin the runner pins as `issuer`. */
  baseUrl: string;
  /** `sudo vps-sentry-runner enroll --base-url … --host-id … --token …`. */
  command: string;
}

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
  /** The host runner alternative (signed ingest), or null when no enrollment token was made. */
  runner: RunnerOnboarding | null;
}

/** Single-quotes a value for POSIX shells. */
const sq = (v: string) => `'${v.replaceAll("'", `'"'"'`)}'`;

/**
 * Builds the onboarding material. With `runner` (an enrollment token and its expiry), it also
 * carries the runner install command for `baseUrl` (the public origin; default `appUrl`'s).
 *
 * @example
 * ```ts
 * const o = onboardingFor({ appUrl: "https://sentry.example.com/", hostId, token });
 * o.pushCommand; // curl -fsS -X POST "https://sentry.example.com/api/hosts/…/status" …
 * const r = onboardingFor({ appUrl, hostId, token, runner: { token: enrollToken, expiresAt } });
 * r.runner?.command; // sudo vps-sentry-runner enroll --base-url 'https://sentry.example.com' …
 * ```
 */
export function onboardingFor(
  input: {
    appUrl: string;
    hostId: string;
    token: string;
    /** `jobKeyId`: the job-signing key id the runner pins out of band (`--job-key-id`). */
    runner?: { token: string; expiresAt: Date; baseUrl?: string; jobKeyId?: string };
  },
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
    runner: input.runner ? runnerOnboarding(input.hostId, input.appUrl, input.runner) : null,
  };
}

function runnerOnboarding(
  hostId: string,
  appUrl: string,
  runner: { token: string; expiresAt: Date; baseUrl?: string; jobKeyId?: string },
): RunnerOnboarding {
  const baseUrl = runner.baseUrl ?? new URL(appUrl).origin;
  return {
    token: runner.token,
    expiresAt: runner.expiresAt.toISOString(),
    baseUrl,
    command: runnerInstallCommand({
      baseUrl,
      hostId,
      token: runner.token,
      jobKeyId: runner.jobKeyId,
    }),
  };
}
