/**
 * `install-systemd`: the units that run the runner beside the vps-sentry agent.
 *
 * - `vps-sentry-runner.service`: the job loop (`run`), restarted on failure, not on exit 78
 *   (not enrolled / no job-signing key).
 * - `vps-sentry-runner-push.service`: one `push` (oneshot).
 * - `vps-sentry.service.d/zz-vps-sentry-runner.conf`: makes the agent's unit start the push
 *   service, without waiting, after its publish and normalize steps (drop-ins apply in file
 *   name order, so `zz-` runs last), like the agent starts its own ship service.
 * - `vps-sentry-runner-drain.service` + `.timer`: every 5 min, `push --drain-only`, so the spool
 *   also drains on hosts where `run` is not enabled.
 *
 * The old `web-ingest.conf` drop-in (the legacy bearer push, §1.9) is removed if present.
 *
 * @module
 */

import { exists } from "./fsutil.ts";

/** Where and how to install. */
export interface SystemdOptions {
  /** Unit directory, `/etc/systemd/system` in production. */
  prefix: string;
  /** The runner command, e.g. `/usr/local/bin/vps-sentry-runner`. */
  exec: string;
  /** Passed as `--config` when not the default. */
  configPath?: string;
  /** The agent's status directory (for the unit's read-only paths). */
  statusDir: string;
  /** The runner's state directory (for `StateDirectory`/`ReadWritePaths`). */
  stateDir: string;
}

/**
 * The unit files by relative path.
 *
 * @example
 * ```ts
 * systemdUnits({ prefix, exec: "/usr/local/bin/vps-sentry-runner", statusDir, stateDir })["vps-sentry-runner.service"];
 * ```
 */
export function systemdUnits(o: SystemdOptions): Record<string, string> {
  const config = o.configPath ? ` --config ${o.configPath}` : "";
  const common = [
    "User=root",
    "UMask=0022",
    "PrivateTmp=true",
    "ProtectHome=read-only",
    "ProtectKernelTunables=true",
    "ProtectControlGroups=true",
  ];
  return {
    "vps-sentry-runner.service": [
      "[Unit]",
      "Description=VPS Sentry host runner: signed remediation jobs",
      "Documentation=file:///usr/local/share/doc/vps-sentry-runner/README.md",
      "Wants=network-online.target",
      "After=network-online.target",
      "",
      "[Service]",
      "Type=simple",
      `ExecStart=${o.exec} run${config}`,
      "Restart=on-failure",
      "RestartSec=10s",
      "RestartPreventExitStatus=78",
      "KillMode=mixed",
      "TimeoutStopSec=30s",
      ...common,
      "",
      "[Install]",
      "WantedBy=multi-user.target",
      "",
    ].join("\n"),
    "vps-sentry-runner-push.service": [
      "[Unit]",
      "Description=VPS Sentry host runner: signed snapshot push",
      "Wants=network-online.target",
      "After=network-online.target",
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${o.exec} push${config}`,
      "TimeoutStartSec=180s",
      "NoNewPrivileges=true",
      "ProtectSystem=strict",
      `ReadWritePaths=${o.stateDir}`,
      `ReadOnlyPaths=${o.statusDir}`,
      ...common,
      "",
    ].join("\n"),
    "vps-sentry-runner-drain.service": [
      "[Unit]",
      "Description=VPS Sentry host runner: retry spooled snapshots",
      "Wants=network-online.target",
      "After=network-online.target",
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${o.exec} push --drain-only${config}`,
      "TimeoutStartSec=180s",
      "NoNewPrivileges=true",
      "ProtectSystem=strict",
      `ReadWritePaths=${o.stateDir}`,
      ...common,
      "",
    ].join("\n"),
    "vps-sentry-runner-drain.timer": [
      "[Unit]",
      "Description=VPS Sentry host runner: retry spooled snapshots every 5 minutes",
      "",
      "[Timer]",
      "OnBootSec=3min",
      "OnUnitInactiveSec=5min",
      "RandomizedDelaySec=30s",
      "Persistent=true",
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
    "vps-sentry.service.d/zz-vps-sentry-runner.conf": [
      "# Installed by vps-sentry-runner install-systemd: after each agent run (publish and",
      "# normalize done), push the new status.json as a signed snapshot. Replaces web-ingest.conf.",
      "[Service]",
      "ExecStartPost=-/bin/systemctl start --no-block vps-sentry-runner-push.service",
      "",
    ].join("\n"),
  };
}

/**
 * Writes the units under `prefix` (0644) and removes a legacy `web-ingest.conf`. Returns the
 * written paths and the removed ones.
 *
 * @example
 * ```ts
 * await installSystemd({ prefix: "/etc/systemd/system", exec, statusDir, stateDir });
 * ```
 */
export async function installSystemd(
  o: SystemdOptions,
): Promise<{ written: string[]; removed: string[] }> {
  const written: string[] = [];
  for (const [rel, text] of Object.entries(systemdUnits(o))) {
    const path = `${o.prefix}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o755 });
    await Deno.writeTextFile(path, text, { mode: 0o644 });
    await Deno.chmod(path, 0o644);
    written.push(path);
  }
  const removed: string[] = [];
  const legacy = `${o.prefix}/vps-sentry.service.d/web-ingest.conf`;
  if (await exists(legacy)) {
    await Deno.remove(legacy);
    removed.push(legacy);
  }
  return { written, removed };
}
