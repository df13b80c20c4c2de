/**
 * A world for remediation tests: `operatorWorld` plus one host that has sent `status-drift.json`
 * (unexpected public ports tcp:6379 and tcp:8080), and helpers to call `/api/remediate`, run the
 * queue consumers, and report job results as the host's runner would.
 */
import { equal } from "node:assert/strict";
import { createHash } from "node:crypto";
import { dispatchRun } from "@/lib/remediation/lifecycle.ts";
import { recordResult } from "@/lib/remediation/job_store.ts";
import { getJob } from "@/lib/remediation/job_rows.ts";
import { getRun, type Run } from "@/lib/remediation/runs.ts";
import type { Operator, OperatorWorld } from "./operator_world.ts";
import { operatorWorld } from "./operator_world.ts";
import { type CreatedHost, createHostViaApi, fixtureJson, pushStatus } from "./hosts_api.ts";

/** The world plus a host with unexpected public ports. */
export interface RemediationWorld extends OperatorWorld {
  web: CreatedHost;
  /** POSTs `/api/remediate` as `who`; returns status and JSON body. */
  remediate(
    who: Operator,
    body: Record<string, unknown>,
    ip?: string,
  ): Promise<{ status: number; body: Record<string, unknown> & { run?: Run; plan?: RunPlan } }>;
  /** Asks, as `who`, for a dry-run of `actionId` (with `params`, if given) on `web`. */
  dryRun(
    who: Operator,
    actionId: string,
    params?: Record<string, unknown>,
  ): ReturnType<RemediationWorld["remediate"]>;
  /** A dry-run that succeeded on the host (dispatched and reported), for the current plan. */
  succeededDryRun(who: Operator, actionId: string, params?: Record<string, unknown>): Promise<Run>;
  /** Dispatches `runId` and reports its job's result (`status`, default succeeded). */
  runOnHost(runId: string, status?: "succeeded" | "failed" | "refused"): Promise<Run>;
  /** Calls a JSON API as `who`. */
  api(who: Operator, method: string, path: string, body?: unknown): Promise<Response>;
}

/** The plan members tests read. */
export interface RunPlan {
  planHash: string;
  actionId: string;
  steps: { id: string; argv: string[] }[];
}

/**
 * Builds the world.
 *
 * @example
 * ```ts
 * await using w = await remediationWorld();
 * const { body } = await w.remediate(w.a.ops, { hostId: w.web.host.id, actionId: "lockdown-access-surface", mode: "plan" });
 * ```
 */
export async function remediationWorld(
  opts: Parameters<typeof operatorWorld>[0] = {},
): Promise<RemediationWorld> {
  const w = await operatorWorld(opts);
  const web = await createHostViaApi(w, "web-1");
  await pushStatus(w, web, await fixtureJson("status-drift.json"), "2026-11-25T09:55:00.000Z");
  const api = async (who: Operator, method: string, path: string, body?: unknown) =>
    await w.app.request(path, {
      method,
      headers: w.headers(who, { "content-type": "application/json" }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const remediate: RemediationWorld["remediate"] = async (who, body, ip) => {
    const res = await w.app.request(
      "/api/remediate",
      {
        method: "POST",
        headers: w.headers(who, { "content-type": "application/json" }),
        body: JSON.stringify(body),
      },
      ip ? { remoteAddr: { hostname: ip, port: 40000, transport: "tcp" } } : undefined,
    );
    return { status: res.status, body: await res.json() };
  };
  const runOnHost = async (
    runId: string,
    status: "succeeded" | "failed" | "refused" = "succeeded",
  ) => {
    const run = await dispatchRun(w.services, runId);
    equal(run?.state, "dispatched", `run ${runId} should be dispatched, is ${run?.state}`);
    const job = (await getJob(w.services.ledger, run!.jobJti!))!;
    const now = w.services.clock.now().toISOString();
    const result = JSON.stringify({
      status,
      ...(status === "refused" ? { refusedReason: "argv_not_allowlisted" } : {}),
      steps: status === "refused" ? [] : job.claims.steps.map((s, i) => ({
        id: s.id,
        exitCode: status === "failed" && i === 0 ? 1 : 0,
        signal: null,
        durationMs: 10,
        stdoutTail: "",
        stderrTail: "",
        truncated: false,
      })).slice(0, status === "failed" ? 1 : undefined),
      startedAt: now,
      finishedAt: now,
    });
    const bytes = new TextEncoder().encode(result);
    await recordResult(w.services, {
      jti: job.jti,
      host: { id: web.host.id, orgId: w.orgA.id, slug: "web-1" },
      body: bytes,
      bodySha256: createHash("sha256").update(bytes).digest("hex"),
    });
    return (await getRun(w.services.ledger, runId))!;
  };
  const dryRun: RemediationWorld["dryRun"] = (who, actionId, params) =>
    remediate(who, {
      hostId: web.host.id,
      actionId,
      ...(params === undefined ? {} : { params }),
      mode: "dry-run",
    });
  const succeededDryRun = async (who: Operator, actionId: string, params = {}) => {
    const { status, body } = await dryRun(who, actionId, params);
    equal(status, 202, JSON.stringify(body));
    const run = await runOnHost(body.run!.id);
    equal(run.state, "succeeded");
    return run;
  };
  return Object.assign(w, { web, remediate, dryRun, runOnHost, succeededDryRun, api });
}
