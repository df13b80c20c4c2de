/**
 * `block-ip`: ban one address (or a small network) from reaching the host, in ufw.
 *
 * Address policy (strict parser in `ip.ts`): a single IPv4/IPv6 address, or a network no wider
 * than /24 (IPv4) or /64 (IPv6) written in its canonical network form. Loopback, unspecified,
 * multicast, reserved and IPv4-mapped addresses are always refused; private, CGNAT and
 * link-local ones only with `allowPrivate: true` (they are often the operators' own VPN or LAN).
 * The value is canonicalized, so every spelling of an address gives the same argv and hash.
 *
 * The rule is added with `ufw prepend` (the top of the IPv4 or IPv6 list; `insert 1` fails on
 * an empty ruleset and for an IPv6 rule when rule 1 is IPv4) and carries the comment
 * `vps-sentry:block-ip:<durationSec>s`, so bans of different rungs hash differently.
 * `durationSec` comes from the repeat-offender ladder (`nextBan` in `offender_ladder.ts`); the
 * caller schedules the rollback (the unban) that long after the execute succeeds.
 *
 * @module
 */

import { z } from "zod";
import type { ActionDefinition } from "../types.ts";
import { addressClass, parseIpNet } from "./ip.ts";
import { DEFAULT_CONFIRM_WINDOW_SEC, EXE, step } from "./steps.ts";
import { LADDER_DURATIONS_SEC } from "../offender_ladder.ts";

/** Widest networks `block-ip` accepts. */
export const BLOCK_MIN_PREFIX = { 4: 24, 6: 64 } as const;

const ALWAYS_REFUSED: Record<string, string> = {
  loopback: "a loopback address",
  unspecified: "the unspecified address (or a network holding it)",
  multicast: "a multicast address",
  reserved: "a reserved address",
};

const ipSchema = z.string().max(49).transform((text, ctx) => {
  const net = parseIpNet(text);
  if (!net) {
    ctx.addIssue({
      code: "custom",
      message: "give one IPv4 or IPv6 address (203.0.113.7, 2001:db8::7) or a network no wider " +
        "than /24 or /64 in network form (198.51.100.0/24); no leading zeros, zone ids, " +
        "brackets or host bits",
    });
    return z.NEVER;
  }
  const min = BLOCK_MIN_PREFIX[net.family];
  if (net.prefix < min) {
    ctx.addIssue({
      code: "custom",
      message: `${net.canonical} is wider than /${min}: block at most a /24 (IPv4) or /64 ` +
        "(IPv6) at a time",
    });
    return z.NEVER;
  }
  const cls = addressClass(net);
  if (cls === "v4_mapped") {
    ctx.addIssue({
      code: "custom",
      message: `write the IPv4-mapped address ${net.canonical} as plain IPv4`,
    });
    return z.NEVER;
  }
  if (ALWAYS_REFUSED[cls]) {
    ctx.addIssue({
      code: "custom",
      message: `${net.canonical} is ${ALWAYS_REFUSED[cls]} and can never be blocked`,
    });
    return z.NEVER;
  }
  return net.canonical;
});

const durations = LADDER_DURATIONS_SEC.map((d) => z.literal(d));

const params = z.object({
  ip: ipSchema,
  allowPrivate: z.boolean().default(false),
  /** From the repeat-offender ladder: 900, 3600, 86400 or 604800. */
  durationSec: z.union([durations[0], durations[1], durations[2], durations[3]], {
    error: "durationSec must be a ladder rung: 900, 3600, 86400 or 604800 (use nextBan())",
  }).default(900),
}).strict().superRefine((p, ctx) => {
  const net = parseIpNet(p.ip);
  const cls = net ? addressClass(net) : "public";
  if ((cls === "private" || cls === "link_local") && !p.allowPrivate) {
    ctx.addIssue({
      code: "custom",
      path: ["ip"],
      message: `${p.ip} is a ${cls === "private" ? "private" : "link-local"} address (often ` +
        "your own LAN or VPN); set allowPrivate: true to block it anyway",
    });
  }
});

/** Params of `block-ip` (after parsing: `ip` is canonical). */
export type BlockIpParams = z.infer<typeof params>;

/**
 * The ufw comment of a ban; it carries the duration so each rung has its own plan hash.
 *
 * @example
 * ```ts
 * banComment(900); // "vps-sentry:block-ip:900s"
 * ```
 */
export function banComment(durationSec: number): string {
  return `vps-sentry:block-ip:${durationSec}s`;
}

function humanDuration(sec: number): string {
  return sec >= 86_400
    ? `${sec / 86_400} d`
    : sec >= 3_600
    ? `${sec / 3_600} h`
    : `${sec / 60} min`;
}

/** The `block-ip` action. */
export const blockIp: ActionDefinition<BlockIpParams> = {
  id: "block-ip",
  version: 1,
  title: "Block an address",
  description: "Deny all inbound traffic from one address or a small network in ufw, for a time " +
    "set by the repeat-offender ladder (15 min, 1 h, 24 h, 7 d). Use against SSH brute force or " +
    "a scanning source. Reversible; the unban is the rollback.",
  riskTier: "safe_auto",
  reversible: true,
  confirmWindowSec: DEFAULT_CONFIRM_WINDOW_SEC,
  params,
  addresses: ["ssh_noise_spike", "ssh_bruteforce_activity", "new_ssh_accept"],

  buildPlan(_input, p) {
    const comment = banComment(p.durationSec);
    const rule = ["deny", "from", p.ip];
    return {
      summary: `Block ${p.ip} in ufw for ${humanDuration(p.durationSec)}`,
      steps: [
        step("ban", [EXE.ufw, "prepend", ...rule, "comment", comment], { timeoutMs: 15_000 }),
        step("show-status", [EXE.ufw, "status", "verbose"], { timeoutMs: 10_000 }),
      ],
      dryRunSteps: [
        step("check-ban", [EXE.ufw, "--dry-run", "prepend", ...rule, "comment", comment], {
          timeoutMs: 15_000,
        }),
        step("show-status", [EXE.ufw, "status", "verbose"], { timeoutMs: 10_000 }),
      ],
      rollbackSteps: [
        step("unban", [EXE.ufw, "delete", ...rule], { timeoutMs: 15_000, allowFailure: true }),
      ],
      targets: { ips: [p.ip], durationSec: p.durationSec },
    };
  },

  verify() {
    return {
      verified: false,
      inconclusive: true,
      reason: "Snapshots list firewall rules only as port blocks and a hash, so an address ban " +
        "cannot be seen; the execute job's ufw output is the evidence.",
    };
  },
};
