/**
 * Job token validation in the order of agent-protocol §3.3: discards (tampered, alg, typ, kid,
 * aud, iss) are logged and counted, never reported; a replayed jti is skipped and its stored
 * result posted again; every refusal reports its code with no step run.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { processToken } from "../../agent/jobs/process.ts";
import { JobLedger } from "../../agent/jobs/ledger.ts";
import { clearResults } from "../../agent/jobs/results.ts";
import type { Runtime } from "../../agent/runtime.ts";
import { signCompactJws } from "../../lib/protocol/jws.ts";
import {
  enrolledRuntime,
  jobClaims,
  type Sandbox,
  sandbox,
  signJob,
  spooledResults,
  step,
  writeAllowlist,
  writeProgram,
} from "./support.ts";

interface World extends AsyncDisposable {
  s: Sandbox;
  rt: Runtime;
  ok: string;
  dry: string;
  record: string;
}

async function world(): Promise<World> {
  const s = await sandbox();
  const rt = await enrolledRuntime(s.ctx);
  const record = `${s.dir}/ran.log`;
  const ok = await writeProgram(`${s.dir}/bin/ok`, `#!/bin/sh\necho ran >> ${record}\n`);
  const dry = await writeProgram(`${s.dir}/bin/dry`, "#!/bin/sh\nexit 0\n");
  await writeAllowlist(s.config, `# test allowlist\n${ok}\n${dry}   dry-run,verify\n`);
  return { s, rt, ok, dry, record, [Symbol.asyncDispose]: () => s[Symbol.asyncDispose]() };
}

const ranCount = async (w: World) =>
  (await Deno.readTextFile(w.record).catch(() => "")).split("\n").filter(Boolean).length;

async function expectRefused(w: World, token: string, jti: string, code: string) {
  const verdict = await processToken(w.rt, token, "poll");
  equal(verdict.kind, "refuse", `${code}: ${JSON.stringify(verdict)}`);
  const result = (await spooledResults(w.rt))[jti];
  ok(result, `${code}: a result is queued`);
  equal(result.status, "refused");
  equal(result.refusedReason, code);
  deepEqual(result.steps, []);
  equal(result.startedAt, result.finishedAt);
  equal((await new JobLedger(w.rt.paths.ledger).get(jti))?.phase, "done");
  equal(await ranCount(w), 0, `${code}: nothing ran`);
}

async function expectDiscarded(w: World, token: string, reason: RegExp) {
  const before = await spooledResults(w.rt);
  const verdict = await processToken(w.rt, token, "poll");
  equal(verdict.kind, "discard");
  if (verdict.kind === "discard") match(verdict.reason, reason);
  deepEqual(await spooledResults(w.rt), before, "a discard is not reported");
  deepEqual((await new JobLedger(w.rt.paths.ledger).list()).length, 0, "nor recorded");
  ok(w.s.logs.some((l) => l.event === "job_discarded"));
}

Deno.test("[runner] checks 1-4: every discard is logged and counted, never reported", async () => {
  await using w = await world();
  const claims = await jobClaims([step("a", [w.ok])]);
  const good = await signJob(claims);
  const [h, p, sig] = good.split(".");
  const tampered = `${h}.${p.slice(0, -2)}${p.at(-2) === "A" ? "B" : "A"}${p.at(-1)}.${sig}`;
  const fresh = await crypto.subtle.generateKey("Ed25519", true, ["sign"]) as CryptoKeyPair;
  await expectDiscarded(w, "not-a-jws", /^1:/);
  await expectDiscarded(w, `${h}.${p}`, /^1:/);
  await expectDiscarded(w, tampered, /^[13]:/);
  await expectDiscarded(w, `${h}.${p}.${sig.slice(0, -4)}AAAA`, /^3:/);
  await expectDiscarded(w, await signJob(claims, { alg: "none" }), /^2: alg/);
  await expectDiscarded(w, await signJob(claims, { alg: "RS256" }), /^2: alg/);
  await expectDiscarded(w, await signJob(claims, { typ: "JWT" }), /^2: typ/);
  await expectDiscarded(w, await signJob(claims, { kid: "someone-else" }), /^2: kid/);
  await expectDiscarded(w, await signJob(claims, {}, fresh.privateKey), /^3:/);
  await expectDiscarded(w, await signJob({ ...claims, aud: "host_other" }), /^4: aud/);
  await expectDiscarded(w, await signJob({ ...claims, aud: [claims.aud] }), /^4: aud/);
  await expectDiscarded(w, await signJob({ ...claims, iss: "https://evil.example" }), /^4: iss/);
  await expectDiscarded(w, await signJob({ ...claims, jti: "bad jti!" }), /^5:/);
  const stats = JSON.parse(await Deno.readTextFile(w.rt.paths.stats));
  equal(stats.discarded, 13);
  equal(await ranCount(w), 0);
  // Header and payload must be JSON objects.
  const enc = (v: unknown) =>
    new TextEncoder().encode(JSON.stringify(v)).toBase64({
      alphabet: "base64url",
      omitPadding: true,
    });
  await expectDiscarded(w, `${enc([1])}.${p}.${sig}`, /^1:/);
  equal(typeof signCompactJws, "function");
});

Deno.test("[runner] check 5: a replayed jti is skipped and its stored result posted again", async () => {
  await using w = await world();
  const claims = await jobClaims([step("a", [w.ok])]);
  const token = await signJob(claims);
  const first = await processToken(w.rt, token, "poll");
  equal(first.kind, "accept");
  const stored = (await spooledResults(w.rt))[claims.jti as string];
  equal(stored.status, "succeeded");
  equal(await ranCount(w), 1);
  await clearResults(w.rt); // delivered
  const again = await processToken(w.rt, token, "poll");
  equal(again.kind, "skip");
  equal(await ranCount(w), 1, "never run twice");
  deepEqual((await spooledResults(w.rt))[claims.jti as string], stored, "same result re-posted");
  // A result still waiting is not queued twice.
  await processToken(w.rt, token, "poll");
  equal(Object.keys(await spooledResults(w.rt)).length, 1);
});

Deno.test("[runner] checks 7-11: time and claim refusals, each with its code", async () => {
  await using w = await world();
  const now = Math.floor(Date.now() / 1000);
  const steps = [step("a", [w.ok])];
  const cases: [string, Record<string, unknown>][] = [
    ["expired", { iat: now - 100, exp: now - 1 }],
    ["not_yet_valid", { iat: now + 400, exp: now + 800 }],
    ["lifetime_too_long", { iat: now, exp: now + 901 }],
    ["invalid_claims", { mode: "destroy" }],
    ["invalid_claims", { rollbackOf: "job_x" }],
    ["invalid_claims", { mode: "rollback" }],
    ["invalid_claims", { steps: [] }],
    ["invalid_claims", { steps: [step("a", [w.ok], { timeoutMs: 10 })] }],
    ["invalid_claims", { steps: [step("a", [w.ok]), step("a", [w.ok])] }],
    ["invalid_claims", { steps: [step("a", [w.ok, "x\0y"])] }],
    ["invalid_claims", { steps: [step("a", [w.ok], { maxOutputBytes: 262_145 })] }],
    ["invalid_claims", { mode: "dry-run", confirm: { windowSec: 300, rollback: "x" } }],
    ["invalid_claims", { exp: "soon" }],
    ["plan_hash_mismatch", { planHash: "0".repeat(64) }],
  ];
  for (const [code, over] of cases) {
    const claims = await jobClaims(steps, over);
    await expectRefused(w, await signJob(claims), claims.jti as string, code);
  }
  // The order: an expired job is `expired` even with the kill switch set (7 before 12).
  await Deno.writeTextFile(w.s.config.killSwitchPath, "");
  const both = await jobClaims(steps, { iat: now - 100, exp: now - 1 });
  await expectRefused(w, await signJob(both), both.jti as string, "expired");
});

Deno.test("[runner] checks 12-17: kill switch, allowlist trust, argv and executable refusals", async () => {
  await using w = await world();
  const job = async (argv0: string, over: Record<string, unknown> = {}) => {
    const claims = await jobClaims([step("a", [argv0, "arg"])], over);
    return { token: await signJob(claims), jti: claims.jti as string };
  };
  const refused = async (code: string, argv0 = w.ok, over: Record<string, unknown> = {}) => {
    const j = await job(argv0, over);
    await expectRefused(w, j.token, j.jti, code);
  };
  const cfg = w.s.config;
  const allowlist = `${w.ok}\n${w.dry} dry-run,verify\n`;

  await Deno.writeTextFile(cfg.killSwitchPath, "");
  await refused("jobs_disabled");
  await Deno.remove(cfg.killSwitchPath);

  await Deno.remove(cfg.allowlistPath);
  await refused("allowlist_unavailable"); // missing
  await writeAllowlist(cfg, allowlist, 0o664);
  await refused("allowlist_unavailable"); // group-writable
  await writeAllowlist(cfg, allowlist, 0o646);
  await refused("allowlist_unavailable"); // other-writable
  await writeAllowlist(cfg, allowlist);
  await Deno.chown(cfg.allowlistPath, 1000, 1000);
  await refused("allowlist_unavailable"); // not root-owned
  await Deno.remove(cfg.allowlistPath);
  await Deno.writeTextFile(`${w.s.dir}/real-allowlist`, allowlist, { mode: 0o644 });
  await Deno.symlink(`${w.s.dir}/real-allowlist`, cfg.allowlistPath);
  await refused("allowlist_unavailable"); // a symlink
  await Deno.remove(cfg.allowlistPath);
  for (const text of [`${allowlist}/bin/bash\n`, `${allowlist}/usr/bin/python3 verify\n`]) {
    await writeAllowlist(cfg, text);
    await refused("allowlist_unavailable"); // lists a program that runs programs
  }
  await Deno.symlink("/bin/sh", `${w.s.dir}/bin/innocent`);
  await writeAllowlist(cfg, `${allowlist}${w.s.dir}/bin/innocent\n`);
  await refused("allowlist_unavailable"); // resolves to a shell
  for (const bad of ["bin/ok\n", "/usr/bin/../bin/true\n", `${w.ok} fly\n`, `${w.ok}/\n`]) {
    await writeAllowlist(cfg, `${allowlist}${bad}`);
    await refused("allowlist_unavailable"); // not normalized / unknown mode
  }
  await writeAllowlist(cfg, allowlist);

  await refused("argv_not_absolute", "ok");
  await refused("argv_not_absolute", `${w.s.dir}/bin/../bin/ok`);
  await refused("argv_not_allowlisted", "/usr/bin/true");
  await refused("argv_not_allowlisted", `${w.ok}x`);
  await refused("mode_not_allowed", w.dry, { mode: "execute" });

  const writable = await writeProgram(`${w.s.dir}/bin/writable`, "#!/bin/sh\n", 0o775);
  const foreign = await writeProgram(`${w.s.dir}/bin/foreign`, "#!/bin/sh\n");
  await Deno.chown(foreign, 1000, 1000);
  const link = `${w.s.dir}/bin/link`;
  await Deno.symlink(writable, link);
  await writeAllowlist(cfg, `${allowlist}${writable}\n${foreign}\n${link}\n`);
  await refused("executable_untrusted", writable);
  await refused("executable_untrusted", foreign);
  await refused("executable_untrusted", link); // resolved through the symlink
  // A dry-run of the dry-run-only program passes every check and runs.
  const fine = await job(w.dry, { mode: "dry-run" });
  equal((await processToken(w.rt, fine.token, "poll")).kind, "accept");
});

Deno.test("[runner] check 18: the embedded rollback must be valid until the deadline", async () => {
  await using w = await world();
  const now = Math.floor(Date.now() / 1000);
  const rollbackFor = async (executeJti: string, over: Record<string, unknown> = {}) =>
    await signJob(
      await jobClaims([step("undo", [w.ok])], {
        mode: "rollback",
        rollbackOf: executeJti,
        iat: now,
        exp: now + 900,
        ...over,
      }),
    );
  const execute = async (rollback: (jti: string) => Promise<string>, windowSec = 300) => {
    const jti = `job_exec_${crypto.randomUUID().slice(0, 8)}`;
    const claims = await jobClaims([step("do", [w.ok], { timeoutMs: 60_000 })], {
      jti,
      confirm: { windowSec, rollback: await rollback(jti) },
    });
    return { token: await signJob(claims), jti };
  };
  // 300 + 60 + 30 s ≤ 900: fine.
  const fine = await execute((jti) => rollbackFor(jti));
  equal((await processToken(w.rt, fine.token, "poll")).kind, "accept");
  const bad: [string, (jti: string) => Promise<string>, number?][] = [
    ["window too long for exp", (jti) => rollbackFor(jti, { exp: now + 350 })],
    ["window", (jti) => rollbackFor(jti, { exp: now + 689 }), 600],
    ["another execute", () => rollbackFor("job_other")],
    ["not a rollback", (jti) => rollbackFor(jti, { mode: "verify", rollbackOf: undefined })],
    ["tampered", async (jti) => (await rollbackFor(jti)).slice(0, -3) + "AAA"],
    ["unlisted", (jti) => rollbackFor(jti, { steps: [step("u", ["/usr/bin/true"])] })],
  ];
  for (const [label, rollback, windowSec] of bad) {
    const j = await execute(rollback, windowSec);
    const verdict = await processToken(w.rt, j.token, "poll");
    equal(verdict.kind, "refuse", label);
    if (verdict.kind === "refuse") equal(verdict.code, "confirm_window_unsatisfiable", label);
  }
});
