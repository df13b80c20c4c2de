import assert from "node:assert/strict";
import { nextBan, offenderKey } from "@/lib/remediation/offender_ladder.ts";

const T0 = Date.parse("2026-11-01T00:00:00.000Z");
const H = 3_600_000;
const D = 24 * H;
const at = (ms: number) => new Date(T0 + ms);

Deno.test("[remediation] ladder: 15 min → 1 h → 24 h → 7 d, then stays at the top", () => {
  const bans: number[] = [];
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const now = at(i * H);
    const step = nextBan(bans.map((t) => new Date(t)), now);
    seen.push(step.label);
    assert.equal(step.priorBans, i);
    bans.push(now.getTime());
  }
  assert.deepEqual(seen, ["15 min", "1 h", "24 h", "7 d", "7 d", "7 d"]);
  assert.deepEqual(nextBan([], at(0)), {
    rung: 0,
    durationSec: 900,
    label: "15 min",
    priorBans: 0,
    decayedSinceLast: 0,
  });
});

Deno.test("[remediation] ladder: one rung down per 7 quiet days, never below the first rung", () => {
  const two = [at(0), at(H)]; // level 1 (1 h) after the second ban
  assert.equal(nextBan(two, at(2 * H)).durationSec, 86_400);
  assert.equal(nextBan(two, at(H + 7 * D - 1)).durationSec, 86_400);
  const week = nextBan(two, at(H + 7 * D));
  assert.deepEqual([week.durationSec, week.decayedSinceLast], [3_600, 1]);
  assert.equal(nextBan(two, at(H + 14 * D)).durationSec, 900);
  const long = nextBan(two, at(H + 90 * D));
  assert.deepEqual([long.rung, long.decayedSinceLast], [0, 2]);
  // A 7-day ban followed by a new offence at its expiry stays at 7 days …
  const top = [at(0), at(H), at(2 * H), at(3 * H)];
  assert.equal(nextBan(top, at(3 * H + 7 * D)).label, "7 d");
  // … and after two quiet weeks drops to 24 h.
  assert.equal(nextBan(top, at(3 * H + 14 * D)).label, "24 h");
  // Decay also applies between earlier bans: ban, 8 quiet days, ban → second ban was rung 0.
  assert.equal(nextBan([at(0), at(8 * D)], at(8 * D + H)).label, "1 h");
});

Deno.test("[remediation] ladder: input hygiene and custom decay", () => {
  const now = at(10 * H);
  assert.equal(nextBan([at(H).toISOString(), "not a date", at(20 * H)], now).priorBans, 1);
  assert.deepEqual(
    nextBan([at(2 * H), at(0), at(H)], now),
    nextBan([at(0), at(H), at(2 * H)], now),
  );
  assert.equal(nextBan([at(0), at(H)], at(3 * H), { decaySec: 3_600 }).label, "15 min");
  assert.throws(() => nextBan([], now, { decaySec: 0 }), /decaySec/);
});

Deno.test("[remediation] ladder: offender keys are canonical per org", () => {
  assert.equal(offenderKey("org_1", "2001:DB8:0::1"), "org_1|2001:db8::1");
  assert.equal(offenderKey("org_1", "::ffff:203.0.113.7"), "org_1|203.0.113.7");
  assert.equal(offenderKey("org_1", "198.51.100.0/24"), "org_1|198.51.100.0/24");
  assert.equal(offenderKey("org_1", "nope"), null);
});
