/**
 * Job tokens (agent-protocol §3.2, §3.8, Appendix C): the vector's compact JWS reproduced byte
 * for byte from its seed, verification and its failures, claim rules refused before signing,
 * and rollover statements.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { ed25519JwkFromSeed, importEd25519PrivateJwk } from "@/lib/protocol/ed25519.ts";
import { jcs } from "@/lib/protocol/jcs.ts";
import {
  JobClaimsError,
  type JobClaimsInput,
  type JobSigner,
  JobTokenError,
  signJob,
  signKeyRollover,
  verifyJob,
  verifyKeyRollover,
} from "@/lib/remediation/job_token.ts";
import { VECTORS } from "../../support/remediation_jobs.ts";

const JOB = VECTORS.job;
const PUBLIC = VECTORS.jobSigningKey.publicJwk;

async function vectorSigner(): Promise<JobSigner> {
  const jwk = await ed25519JwkFromSeed(Uint8Array.fromHex(VECTORS.jobSigningKey.seedHex));
  equal(jwk.x, PUBLIC.x);
  equal(jwk.d, VECTORS.jobSigningKey.privateJwk.d);
  return { kid: VECTORS.jobSigningKey.keyId, privateKey: await importEd25519PrivateJwk(jwk) };
}

function claimsWithoutHash(): JobClaimsInput {
  const { planHash: _, ...rest } = structuredClone(JOB.claims);
  return rest;
}

Deno.test("[job token] Appendix C: the job vector's compact JWS is reproduced byte for byte", async () => {
  const signer = await vectorSigner();
  const { jws, claims } = await signJob(signer, claimsWithoutHash());
  equal(jws, JOB.compactJws);
  equal(claims.planHash, JOB.planHash);
  equal(
    jcs({ actionId: claims.actionId, actionVersion: claims.actionVersion, steps: claims.steps }),
    JOB.planInputJcs,
  );
  deepEqual(JSON.parse(atob(jws.split(".")[0])), JOB.protectedHeader);
  equal(jws.split(".")[0], btoa(JSON.stringify(JOB.protectedHeader)).replace(/=+$/, ""));
  // The given planHash is checked, member order of the input does not matter.
  const reordered = Object.fromEntries(Object.entries(JOB.claims).reverse()) as JobClaimsInput;
  equal((await signJob(signer, reordered)).jws, JOB.compactJws);
});

Deno.test("[job token] verifyJob accepts the vector and refuses every changed byte", async () => {
  const claims = await verifyJob(JOB.compactJws, [PUBLIC], {
    audience: VECTORS.hostId,
    issuer: "https://console.example.net",
    now: new Date(1795626010_000),
  });
  deepEqual(claims, JOB.claims);
  const code = async (jws: string, opts = {}) => {
    try {
      await verifyJob(jws, [PUBLIC], opts);
      return "ok";
    } catch (error) {
      ok(error instanceof JobTokenError, String(error));
      return error.code;
    }
  };
  const [h, p, s] = JOB.compactJws.split(".");
  const sig = Uint8Array.fromBase64(s, { alphabet: "base64url" });
  for (const i of [0, 17, 63]) {
    const changed = sig.slice();
    changed[i] ^= 0x01;
    equal(
      await code(`${h}.${p}.${changed.toBase64({ alphabet: "base64url", omitPadding: true })}`),
      "bad_signature",
    );
  }
  const payload = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
  const b64 = (v: unknown) =>
    new TextEncoder().encode(JSON.stringify(v)).toBase64({
      alphabet: "base64url",
      omitPadding: true,
    });
  equal(await code(`${h}.${b64({ ...payload, aud: "host_other" })}.${s}`), "bad_signature");
  equal(
    await code(`${b64({ alg: "none", kid: PUBLIC.kid, typ: "vps-sentry-job+jwt" })}.${p}.`),
    "bad_header",
  );
  equal(
    await code(`${b64({ alg: "none", kid: PUBLIC.kid, typ: "vps-sentry-job+jwt" })}.${p}.${s}`),
    "bad_header",
  );
  equal(await code(`${b64({ ...JOB.protectedHeader, typ: "JWT" })}.${p}.${s}`), "bad_header");
  equal(await code(`${b64({ ...JOB.protectedHeader, kid: "other" })}.${p}.${s}`), "unknown_kid");
  equal(await code(JOB.compactJws, { audience: "host_other" }), "wrong_audience");
  equal(await code(JOB.compactJws, { issuer: "https://evil.example" }), "wrong_issuer");
  equal(await code(JOB.compactJws, { now: new Date(1795626910_000) }), "expired");
  equal(await code("not.a.jws"), "malformed");
});

Deno.test("[job token] claim rules of §3.2 are refused before signing, naming the problem", async () => {
  const signer = await vectorSigner();
  const base = claimsWithoutHash();
  const step = base.steps[0];
  const cases: Array<[string, Partial<JobClaimsInput>, RegExp]> = [
    ["lifetime 901 s", { exp: base.iat + 901 }, /exp − iat must be 1-900/],
    ["exp before iat", { exp: base.iat }, /exp − iat/],
    ["no steps", { steps: [] }, /steps must have 1-32/],
    ["33 steps", {
      steps: Array.from({ length: 33 }, (_, i) => ({ ...step, id: `s${i}` })),
    }, /steps must have 1-32/],
    ["timeout too short", { steps: [{ ...step, timeoutMs: 999 }] }, /steps\[0\]\.timeoutMs/],
    ["output cap too big", { steps: [{ ...step, maxOutputBytes: 262_145 }] }, /maxOutputBytes/],
    [
      "relative argv[0]",
      { steps: [{ ...step, argv: ["ufw", "deny"] }] },
      /argv\[0\] must be an absolute/,
    ],
    [
      "shell-ish argv[0]",
      { steps: [{ ...step, argv: ["/usr/sbin/../bin/sh"] }] },
      /absolute, normalized/,
    ],
    ["NUL in argv", { steps: [{ ...step, argv: ["/usr/sbin/ufw", "a\0b"] }] }, /without NUL/],
    ["duplicate step id", { steps: [step, step] }, /not unique/],
    ["bad step id", { steps: [{ ...step, id: "Deny" }] }, /steps\[0\]\.id/],
    ["rollback without rollbackOf", { mode: "rollback" }, /rollbackOf is required/],
    ["rollbackOf on execute", { rollbackOf: "job_x" }, /rollbackOf is only allowed/],
    ["confirm on dry-run", {
      mode: "dry-run",
      confirm: { windowSec: 600, rollback: JOB.compactJws },
    }, /confirm is only allowed for mode execute/],
    ["confirm window 60 s", {
      confirm: { windowSec: 60, rollback: JOB.compactJws },
    }, /confirm\.windowSec/],
    ["confirm with a non-rollback token", {
      confirm: { windowSec: 600, rollback: JOB.compactJws },
    }, /confirm\.rollback must be a rollback job token/],
    ["aud array", { aud: ["a"] as unknown as string }, /aud must be a single string/],
    ["bad mode", { mode: "run" as "execute" }, /mode/],
    ["bad jti", { jti: "job/1" }, /jti/],
    ["planHash mismatch", { planHash: "0".repeat(64) }, /planHash does not match/],
  ];
  for (const [name, over, problem] of cases) {
    await rejects(signJob(signer, { ...base, ...over }), (error: unknown) => {
      ok(error instanceof JobClaimsError, `${name}: ${error}`);
      equal(error.status, 400, name);
      equal(error.code, "invalid_claims", name);
      ok(error.problems.some((p) => problem.test(p)), `${name}: ${error.problems.join("; ")}`);
      return true;
    });
  }
});

Deno.test("[job token] a rollover statement verifies with the old key and names the new one", async () => {
  const signer = await vectorSigner();
  const pair = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const { x } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const { jwkThumbprint } = await import("@/lib/protocol/ed25519.ts");
  const newKey = {
    kty: "OKP",
    crv: "Ed25519",
    x: x!,
    kid: await jwkThumbprint({ x: x! }),
    alg: "EdDSA",
    use: "sig",
  } as const;
  const statement = await signKeyRollover(signer, {
    iss: "https://console.example.net",
    aud: VECTORS.hostId,
    iat: 1795626010,
    newKey,
    notAfter: 1796830010,
  });
  deepEqual(JSON.parse(atob(statement.split(".")[0])), {
    alg: "EdDSA",
    kid: PUBLIC.kid,
    typ: "vps-sentry-key-rollover+jwt",
  });
  const claims = await verifyKeyRollover(statement, [PUBLIC], { audience: VECTORS.hostId });
  deepEqual(claims.newKey, newKey);
  equal(claims.notAfter, 1796830010);
  await rejects(verifyKeyRollover(statement, [newKey]), JobTokenError);
  await rejects(verifyKeyRollover(statement, [PUBLIC], { audience: "other" }), JobTokenError);
  // A rollover statement is not a job, nor a job a rollover statement.
  await rejects(verifyJob(statement, [PUBLIC]), /typ/);
  await rejects(verifyKeyRollover(JOB.compactJws, [PUBLIC]), /typ/);
});
