/**
 * The job-signing key (agent-protocol §2.2, §3.8) on both ledgers: generated once on first use
 * (also under concurrent first calls), sealed at rest with the app secret, rotation with an
 * overlap during which the old key still verifies, and the rollover statement for hosts that
 * pinned the old key.
 */
import { deepEqual, equal, notEqual, ok, rejects } from "node:assert/strict";
import { openString, SealedValueError } from "@/lib/auth/keys.ts";
import { jwkThumbprint } from "@/lib/protocol/ed25519.ts";
import {
  clearJobKeyCache,
  getActiveJobSigningKey,
  JOB_KEY_SEAL_PURPOSE,
  jobVerificationKeys,
  keyRolloverFor,
  rotateJobSigningKey,
} from "@/lib/remediation/job_keys.ts";
import { signJob, verifyJob, verifyKeyRollover } from "@/lib/remediation/job_token.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { jobServices, STEPS } from "../../support/remediation_jobs.ts";

const HOUR = 3600_000;

forEachLedger(
  "[job keys] generated once on first use, sealed at rest, concurrent first calls agree",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const keys = await Promise.all(
      Array.from({ length: 5 }, () => getActiveJobSigningKey(services)),
    );
    const kids = new Set(keys.map((k) => k.kid));
    equal(kids.size, 1, "one key for every concurrent first call");
    const rows = await ledger.db.selectFrom("job_signing_keys").selectAll().execute();
    equal(rows.length, 1);
    const [key] = keys;
    deepEqual(Object.keys(key.publicJwk).sort(), ["alg", "crv", "kid", "kty", "use", "x"]);
    equal(key.publicJwk.alg, "EdDSA");
    equal(key.publicJwk.use, "sig");
    equal(key.kid, await jwkThumbprint({ x: key.publicJwk.x }));
    equal(key.notAfter, null);
    // At rest: no private member in clear; the sealed value opens only with the app secret.
    const sealed = rows[0].private_sealed;
    const inner = JSON.parse(
      await openString(services.config.appSecret!, JOB_KEY_SEAL_PURPOSE, sealed),
    );
    equal(inner.kid, key.kid);
    ok(!sealed.includes(inner.d), "the private key is not stored in clear");
    await rejects(
      openString("another-secret-another-secret-0123456", JOB_KEY_SEAL_PURPOSE, sealed),
      SealedValueError,
    );
    // From the ledger again (cache dropped): the same key, and it still signs verifiable jobs.
    clearJobKeyCache(ledger);
    const reloaded = await getActiveJobSigningKey(services);
    equal(reloaded.kid, key.kid);
    const { jws } = await signJob(reloaded, {
      jti: "job_1",
      iss: "https://x.test",
      aud: "h_1",
      iat: 1795600800,
      exp: 1795601700,
      runId: "run_1",
      actionId: "ufw-deny-port",
      actionVersion: 3,
      mode: "dry-run",
      steps: STEPS,
    });
    ok(await verifyJob(jws, [key.publicJwk]));
    // Under another app secret the stored key does not open: refused, not replaced.
    await using other = await jobServices(ledger, {
      APP_SECRET: "another-secret-another-secret-0123456",
    });
    clearJobKeyCache(ledger);
    await rejects(getActiveJobSigningKey(other), SealedValueError);
    equal((await ledger.db.selectFrom("job_signing_keys").selectAll().execute()).length, 1);
  },
);

forEachLedger(
  "[job keys] rotation: new active key, the old one verifies until notAfter",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const old = await getActiveJobSigningKey(services);
    const now = services.clock.now();
    const { active, previous } = await rotateJobSigningKey(services, { overlapSec: 24 * 3600 });
    notEqual(active.kid, old.kid);
    deepEqual(previous, { kid: old.kid, notAfter: new Date(now.getTime() + 24 * HOUR) });
    equal((await getActiveJobSigningKey(services)).kid, active.kid);
    clearJobKeyCache(ledger);
    equal((await getActiveJobSigningKey(services)).kid, active.kid, "the ledger agrees");
    deepEqual((await jobVerificationKeys(services)).map((k) => k.kid), [active.kid, old.kid]);
    services.clock.advance(24 * HOUR);
    deepEqual((await jobVerificationKeys(services)).map((k) => k.kid), [active.kid]);
    await rejects(rotateJobSigningKey(services, { overlapSec: 60 }), RangeError);
  },
);

forEachLedger(
  "[job keys] keyRollover: signed by the pinned old key, only for hosts that pinned it",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const old = await getActiveJobSigningKey(services);
    const enrolledBefore = services.clock.now();
    equal(await keyRolloverFor(services, { hostId: "h_1", pinnedSince: enrolledBefore }), null);
    services.clock.advance(HOUR);
    const { active, previous } = await rotateJobSigningKey(services);
    const statement = await keyRolloverFor(services, {
      hostId: "h_1",
      pinnedSince: enrolledBefore,
    });
    ok(statement);
    const claims = await verifyKeyRollover(statement, [old.publicJwk], { audience: "h_1" });
    deepEqual(claims.newKey, active.publicJwk);
    equal(claims.notAfter, Math.floor(previous!.notAfter.getTime() / 1000));
    equal(claims.iss, services.config.publicOrigin);
    // A runner with no known pin (enrolled before any key) gets it too.
    ok(await keyRolloverFor(services, { hostId: "h_1", pinnedSince: null }));
    // Enrolled after the rotation (beyond the cache margin): it pinned the new key already.
    services.clock.advance(2 * 60_000);
    equal(
      await keyRolloverFor(services, { hostId: "h_1", pinnedSince: services.clock.now() }),
      null,
    );
    // A second rotation: a runner that enrolled on the first key still hears from it.
    services.clock.advance(HOUR);
    const third = await rotateJobSigningKey(services);
    const again = await keyRolloverFor(services, { hostId: "h_1", pinnedSince: enrolledBefore });
    const c2 = await verifyKeyRollover(again!, [old.publicJwk]);
    equal(c2.newKey.kid, third.active.kid);
    // One that enrolled on the second key hears from the second key.
    const onSecond = new Date(active.createdAt.getTime() + 2 * 60_000);
    const fromSecond = await keyRolloverFor(services, { hostId: "h_1", pinnedSince: onSecond });
    equal((await verifyKeyRollover(fromSecond!, [active.publicJwk])).newKey.kid, third.active.kid);
    // After the overlap: nothing.
    services.clock.advance(30 * 24 * HOUR);
    equal(await keyRolloverFor(services, { hostId: "h_1", pinnedSince: enrolledBefore }), null);
  },
);
