/**
 * `harden-ssh-auth`: turn off SSH password and/or root login with an sshd drop-in.
 *
 * No shell and no file contents in argv: the host runner package ships three fixed drop-ins under
 * `/usr/share/vps-sentry-runner/sshd/` and the plan installs one of them with `install -m 0644`
 * as `/etc/ssh/sshd_config.d/00-vps-sentry-hardening.conf`. The `00-` prefix matters: sshd keeps
 * the first value it reads, and distribution drop-ins such as `50-cloud-init.conf` often set
 * `PasswordAuthentication yes`. The execute job tests the config (`sshd -t`) before reloading,
 * and a failed test fails the job, which releases the rollback at once (§3.7). The reload is
 * `systemctl try-reload-or-restart`: it does nothing when the service is not running (socket
 * activation, Ubuntu ≥ 22.10, where the next connection reads the new config anyway) and keeps
 * existing sessions. Needs OpenSSH ≥ 8.7 (`KbdInteractiveAuthentication`) and the `Include
 * /etc/ssh/sshd_config.d/*.conf` line of Debian 12 / Ubuntu 22.04 and later.
 *
 * Shipped files (runner package):
 * - `no-password-no-root.conf`: `PasswordAuthentication no`, `KbdInteractiveAuthentication no`,
 *   `PermitRootLogin no`
 * - `no-password.conf`: the first two lines
 * - `no-root.conf`: `PermitRootLogin no`
 *
 * Verification is limited by what the agent reports: `status.json` carries no sshd settings, and
 * the `watched_files_changed` alert for `/etc/ssh/sshd_config.d` is *raised* by this very change
 * until the baseline is accepted. What a later snapshot can show is the auth-log delta: with
 * passwords refused, `Failed password` lines stop while `Invalid user` lines continue. Root
 * login alone cannot be observed at all.
 *
 * @module
 */

import { z } from "zod";
import type { ActionDefinition, Plan } from "../types.ts";
import { num, obj } from "../../signals/read.ts";
import { DEFAULT_CONFIRM_WINDOW_SEC, EXE, step } from "./steps.ts";
import { counted } from "../../text/plural.ts";

/** Where the runner package ships the drop-ins. */
export const SSHD_DROPIN_SOURCE_DIR = "/usr/share/vps-sentry-runner/sshd";
/** The installed drop-in (read first, so its values win). */
export const SSHD_DROPIN_PATH = "/etc/ssh/sshd_config.d/00-vps-sentry-hardening.conf";

const params = z.object({
  disablePasswordLogin: z.boolean().default(true),
  disableRootLogin: z.boolean().default(true),
  /** `ssh.service` on Debian/Ubuntu, `sshd.service` elsewhere. */
  sshUnit: z.enum(["ssh.service", "sshd.service"]).default("ssh.service"),
}).strict().refine((p) => p.disablePasswordLogin || p.disableRootLogin, {
  message: "set disablePasswordLogin or disableRootLogin (or both) to true",
  path: ["disablePasswordLogin"],
});

/** Params of `harden-ssh-auth`. */
export type HardenSshParams = z.infer<typeof params>;

function sourceFile(p: HardenSshParams): string {
  const name = p.disablePasswordLogin && p.disableRootLogin
    ? "no-password-no-root.conf"
    : p.disablePasswordLogin
    ? "no-password.conf"
    : "no-root.conf";
  return `${SSHD_DROPIN_SOURCE_DIR}/${name}`;
}

function overrides(p: HardenSshParams): string[] {
  const out: string[] = [];
  if (p.disablePasswordLogin) {
    out.push("-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no");
  }
  if (p.disableRootLogin) out.push("-o", "PermitRootLogin=no");
  return out;
}

/** The `harden-ssh-auth` action. */
export const hardenSshAuth: ActionDefinition<HardenSshParams> = {
  id: "harden-ssh-auth",
  version: 1,
  title: "Harden SSH authentication",
  description: "Disable SSH password login and/or root login with a drop-in read before any " +
    "other, test the config and reload sshd (sessions stay up). Use after SSH brute-force noise " +
    "or a new accepted login. Make sure operators have working keys first. Reversible.",
  riskTier: "risky_manual",
  reversible: true,
  confirmWindowSec: DEFAULT_CONFIRM_WINDOW_SEC,
  params,
  addresses: ["ssh_noise_spike", "ssh_bruteforce_activity", "new_ssh_accept"],

  buildPlan(_input, p) {
    const src = sourceFile(p);
    const unit = ["--", p.sshUnit];
    const what = [p.disablePasswordLogin ? "password" : "", p.disableRootLogin ? "root" : ""]
      .filter(Boolean).join(" and ");
    const reload = step("reload-sshd", [EXE.systemctl, "try-reload-or-restart", ...unit], {
      timeoutMs: 30_000,
    });
    const test = step("test-config", [EXE.sshd, "-t"], {
      timeoutMs: 10_000,
      maxOutputBytes: 8_192,
    });
    return {
      summary: `Disable SSH ${what} login via ${SSHD_DROPIN_PATH} and reload ${p.sshUnit}`,
      steps: [
        step("install-dropin", [
          EXE.install,
          "-m",
          "0644",
          "-o",
          "root",
          "-g",
          "root",
          src,
          SSHD_DROPIN_PATH,
        ], { timeoutMs: 10_000 }),
        test,
        reload,
      ],
      dryRunSteps: [
        step("check-dropin-source", [EXE.test, "-f", src], { timeoutMs: 5_000 }),
        step("test-config-with-overrides", [EXE.sshd, "-t", ...overrides(p)], {
          timeoutMs: 10_000,
          maxOutputBytes: 8_192,
        }),
      ],
      rollbackSteps: [
        step("remove-dropin", [EXE.rm, "-f", "--", SSHD_DROPIN_PATH], { timeoutMs: 10_000 }),
        test,
        reload,
      ],
      targets: { units: [p.sshUnit] },
    };
  },

  verify(later, plan: Plan) {
    const wantsPassword = plan.params.disablePasswordLogin !== false;
    if (!wantsPassword) {
      return {
        verified: false,
        inconclusive: true,
        reason: "Snapshots do not report sshd settings, so disabled root login cannot be seen; " +
          "the execute job's sshd -t and reload results are the evidence.",
      };
    }
    const auth = obj(later.snapshot?.auth);
    const failed = num(auth?.ssh_failed_password);
    const invalid = num(auth?.ssh_invalid_user);
    if (failed === null) {
      return {
        verified: false,
        inconclusive: true,
        reason: "The later snapshot has no auth counters, so refused passwords cannot be seen.",
      };
    }
    if (failed > 0) {
      return {
        verified: false,
        reason:
          `${counted(failed, '"Failed password" attempt')} ${
            failed === 1 ? "was" : "were"
          } logged after the change: sshd still ` +
          "accepts password authentication (is the drop-in included and read first?).",
      };
    }
    if (invalid !== null && invalid > 0) {
      return {
        verified: true,
        reason: `SSH attempts are still logged (${invalid} invalid-user) but no failed ` +
          "passwords: password authentication is refused.",
      };
    }
    return {
      verified: false,
      inconclusive: true,
      reason: "No SSH attempts in the later snapshot's auth-log delta (or no /var/log/auth.log), " +
        "so it cannot show whether passwords are refused yet.",
    };
  },
};
