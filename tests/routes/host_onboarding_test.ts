import { getActiveJobSigningKey } from "@/lib/remediation/job_keys.ts";
/**
 * Adding a host gives, once, besides the vps-sentry agent's token and snippets, the host
 * runner's single-use enrollment token with its install command (agent-protocol §2.2, §4.6):
 * in the API answer and on the add-host page. The token enrolls a runner exactly once, and it
 * is recorded in the `host.create` audit entry by id, never by value.
 */
import { equal, match, ok, rejects } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { createHostViaApi } from "../support/hosts_api.ts";
import { enrollRunner } from "../support/runner.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { getHost } from "@/lib/hosts/registry.ts";

const TOKEN = /^vs\d+_[A-Za-z0-9_-]{32}$/;

Deno.test("[api] POST /api/hosts: onboarding carries the runner enrollment and its command", async () => {
  await using w = await operatorWorld();
  const created = await createHostViaApi(w, "web-1");
  const { runner, token } = created.onboarding;
  match(runner.token, TOKEN);
  ok(runner.token !== token, "its own token, not the agent's");
  equal(runner.baseUrl, "http://localhost:8000");
  equal(
    new Date(runner.expiresAt).getTime() - w.services.clock.now().getTime(),
    24 * 3600_000,
    "single-use token valid for the default 24 h",
  );
  equal(
    runner.command,
    [
      "sudo vps-sentry-runner enroll",
      "--base-url 'http://localhost:8000'",
      `--host-id '${created.host.id}'`,
      `--token '${runner.token}'`,
      `--job-key-id '${(await getActiveJobSigningKey(w.services)).kid}'`,
    ].join(" \\\n  "),
  );

  const keys = (await (await w.app.request(`/api/hosts/${created.host.id}/keys`, {
    headers: w.headers(w.a.admin),
  })).json()).keys as { kind: string; scopes: string[]; label: string }[];
  equal(keys.filter((k) => k.kind === "api").length, 1);
  const enroll = keys.find((k) => k.kind === "enroll");
  equal(enroll?.label, "runner enrollment");

  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "host.create" });
  equal(audit.entries.length, 1);
  match(audit.entries[0].summary, /runner enrollment token vs\d+_/);
  ok(audit.entries[0].details?.enrollmentKeyId, "the token's key id is audited");
  ok(!JSON.stringify(audit.entries[0]).includes(runner.token), "never the token itself");

  // The token enrolls the runner (the host switches to signed ingest), and only once.
  await enrollRunner(w, created.host.id, runner.token);
  equal((await getHost(w.services.ledger, w.orgA.id, created.host.id))?.ingestMode, "signed");
  await rejects(enrollRunner(w, created.host.id, runner.token), /token_consumed/);
});

Deno.test("[pages] add host: the onboarding page shows the runner command once", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const posted = await admin.post("/hosts/new", { name: "Web 1", slug: "web-1" });
  equal(posted.status, 303);
  const { doc } = await admin.get(posted.headers.get("location")!);
  const hostId = textOf(doc.querySelector("#host-id"));
  const runnerToken = textOf(doc.querySelector("#runner-token"));
  match(runnerToken, TOKEN);
  ok(runnerToken !== textOf(doc.querySelector("#host-token")));
  const command = textOf(doc.querySelector("#runner-command"));
  match(command, /^sudo vps-sentry-runner enroll/);
  ok(command.includes(`--host-id '${hostId}'`));
  ok(command.includes(`--token '${runnerToken}'`));
  match(textOf(doc.querySelector(".runner-onboarding")), /works once, until \d{4}-\d\d-\d\d/);

  // The host page never shows it again.
  const page = await w.app.request(`/hosts/${hostId}`, { headers: w.headers(w.a.admin) });
  ok(!(await page.text()).includes(runnerToken));
});
