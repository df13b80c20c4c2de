import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { jobsOfRun } from "@/lib/remediation/job_store.ts";
import { getOrgRun } from "@/lib/remediation/runs.ts";

/** One run of the organization with its signed jobs and their results. */
export const handler = define.handlers({
  async GET(ctx) {
    const { ledger } = ctx.state.services;
    const run = await getOrgRun(ledger, authOf(ctx).org!.id, ctx.params.runId);
    if (!run) throw new HttpError(404, "No such remediation run.", { code: "run_not_found" });
    const jobs = (await jobsOfRun(ledger, run.id)).map((j) => ({
      jti: j.jti,
      mode: j.mode,
      state: j.state,
      deliveredAt: j.deliveredAt,
      resultAt: j.resultAt,
      result: j.result,
      exp: j.exp,
      rollbackOf: j.rollbackOf,
    }));
    return ok({ run, jobs });
  },
});
