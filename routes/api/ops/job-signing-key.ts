import { define } from "@/lib/define.ts";
import { ok } from "@/lib/auth/http.ts";
import { getActiveJobSigningKey, jobVerificationKeys } from "@/lib/remediation/job_keys.ts";

/**
 * The control plane's job-signing key (agent-protocol §3.8): the public keys runners may trust
 * (admin). The key signs every organization's jobs, so no organization rotates it here: the
 * server operator does, with `deno task job-key:rotate` (scripts/job_key_rotate.ts). The private
 * key never leaves the ledger unencrypted.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    const active = await getActiveJobSigningKey(services);
    return ok({ activeKid: active.kid, keys: await jobVerificationKeys(services) });
  },
});
