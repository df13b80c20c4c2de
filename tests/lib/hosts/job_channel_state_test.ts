import assert from "node:assert/strict";
import { getHost } from "@/lib/hosts/registry.ts";
import {
  JOB_CHANNEL_CONNECTED_MS,
  jobChannelState,
  noteJobPoll,
} from "@/lib/hosts/job_channel_state.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { seedOrg } from "../../support/operators.ts";
import { at, seedHost, T0 } from "../../support/hosts.ts";

Deno.test("[job channel] connected while the latest poll is at most 60 s old", () => {
  assert.deepEqual(jobChannelState({ lastPollAt: null }, T0), {
    connected: false,
    lastPollAt: null,
  });
  const polled = { lastPollAt: T0 };
  assert.equal(jobChannelState(polled, at(JOB_CHANNEL_CONNECTED_MS / 1000)).connected, true);
  assert.equal(jobChannelState(polled, at(JOB_CHANNEL_CONNECTED_MS / 1000 + 1)).connected, false);
  assert.equal(jobChannelState(polled, at(61)).lastPollAt, T0.toISOString());
});

forEachLedger(
  "[job channel] noteJobPoll records polls at most every 10 s, per host and org",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const other = await seedOrg(ledger, "beta");
    const host = await seedHost(ledger, org, "web-1");
    const pollAt = async () => (await getHost(ledger, org.id, host.id))!.lastPollAt?.toISOString();
    assert.equal(await pollAt(), undefined, "never polled");

    await noteJobPoll(ledger, host, T0);
    assert.equal(await pollAt(), T0.toISOString());
    await noteJobPoll(ledger, host, at(9));
    assert.equal(await pollAt(), T0.toISOString(), "within 10 s: not written again");
    await noteJobPoll(ledger, host, at(10));
    assert.equal(await pollAt(), at(10).toISOString());
    await noteJobPoll(ledger, host, at(5));
    assert.equal(await pollAt(), at(10).toISOString(), "never moves backwards");

    // The host id under another organization changes nothing.
    await noteJobPoll(ledger, { id: host.id, orgId: other.id }, at(100));
    assert.equal(await pollAt(), at(10).toISOString());
    // A poll is not a heartbeat.
    assert.equal((await getHost(ledger, org.id, host.id))!.lastSeenAt, null);
  },
);
