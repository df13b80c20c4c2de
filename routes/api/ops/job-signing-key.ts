import { z } from "zod";
import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { auditOperatorChange } from "@/lib/auth/request_audit.ts";
import {
  DEFAULT_ROLLOVER_OVERLAP_SEC,
  getActiveJobSigningKey,
  jobVerificationKeys,
  rotateJobSigningKey,
} from "@/lib/remediation/job_keys.ts";

const Rotate = z.object({
  /** How long runners keep trusting the old key (≥ 900 s; default 14 days). */
  overlapSec: z.number().int().min(900).max(90 * 86_400).default(DEFAULT_ROLLOVER_OVERLAP_SEC),
}).strict();

/**
 * The control plane's job-signing key (agent-protocol §3.8): the public keys runners may trust
 * (admin); rotation with an overlap during which poll responses carry the signed rollover
 * (owner). The private key never leaves the ledger unencrypted.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    const active = await getActiveJobSigningKey(services);
    return ok({ activeKid: active.kid, keys: await jobVerificationKeys(services) });
  },
  async POST(ctx) {
    const { services } = ctx.state;
    const { overlapSec } = await readJson(ctx.req, Rotate);
    const { active, previous } = await rotateJobSigningKey(services, { overlapSec });
    await auditOperatorChange(services, clientOf(ctx), authOf(ctx), {
      action: "remediation.job_key.rotate",
      summary: `job-signing key rotated to ${active.kid}` +
        (previous ? `; ${previous.kid} trusted until ${previous.notAfter.toISOString()}` : ""),
      target: { type: "job_signing_key", id: active.kid },
      details: { previousKid: previous?.kid ?? null, overlapSec },
    });
    return ok({ activeKid: active.kid, previous });
  },
});
