import { equal, match, ok } from "node:assert/strict";
import { createHostViaApi } from "../support/hosts_api.ts";
import { operatorWorld } from "../support/operator_world.ts";
import { getPage, textOf } from "../support/pages.ts";
import { enrollmentToken, enrollRunner, signedRequest } from "../support/runner.ts";

Deno.test("[pages] host and remediate pages say whether the host runner polls for jobs", async () => {
  await using w = await operatorWorld();
  const created = await createHostViaApi(w, "web-1");
  const hostId = created.host.id;
  const hostHeader = async () =>
    textOf(
      (await getPage(w.app, `/hosts/${hostId}`, w.headers(w.a.ops))).doc
        .querySelector(".host-header"),
    );
  const remediateNotice = async () => {
    const page = await getPage(w.app, `/hosts/${hostId}/remediate`, w.headers(w.a.ops));
    equal(page.status, 200);
    return [...page.doc.querySelectorAll(".notice")].map(textOf).join(" | ");
  };
  ok(!/job channel|polled for jobs/.test(await hostHeader()), "a bearer-only host: not shown");

  const runner = await enrollRunner(w, hostId, await enrollmentToken(w, hostId));
  match(await hostHeader(), /the host runner has not polled for jobs yet/);
  match(await remediateNotice(), /No host runner has polled for jobs yet.*wait in the queue/);

  const poll = await signedRequest(w, runner, "GET", "/api/agent/jobs?wait=0");
  equal(poll.status, 200, await poll.clone().text());
  match(await hostHeader(), /job channel connected/);
  ok(!/polled for jobs/.test(await remediateNotice()), "connected: no notice");
  const api = await w.app.request(`/api/hosts/${hostId}`, { headers: w.headers(w.a.viewer) });
  const view = await api.json();
  equal(view.jobChannel.connected, true);
  equal(view.host.lastPollAt, w.services.clock.now().toISOString());
  equal(view.host.lastSeenAt, null, "a poll is not a heartbeat");

  w.services.clock.advance(61_000);
  match(await hostHeader(), /job channel not connected \(last poll/);
  match(await remediateNotice(), /The host runner last polled for jobs .*wait in the queue/);
});
