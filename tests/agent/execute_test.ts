/**
 * Step execution (agent-protocol §3.5) with real programs: exact argv with no shell expansion,
 * the scrubbed environment, stdin /dev/null, cwd /, umask 0022, SIGTERM at the timeout and
 * SIGKILL after the grace, per-stream tails capped on UTF-8 boundaries, stop at the first
 * failing step unless it allows failure, and a program that cannot start.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { decodeTail, runJob, runStep, scrubbedEnv, TailBuffer } from "../../agent/jobs/execute.ts";
import { processToken } from "../../agent/jobs/process.ts";
import type { JobMode, JobStep } from "../../lib/protocol/job.ts";
import {
  enrolledRuntime,
  jobClaims,
  sandbox,
  signJob,
  spooledResults,
  step,
  writeAllowlist,
  writeProgram,
} from "./support.ts";

const JOB = { jti: "job_exec_1", runId: "run_1", mode: "execute" as JobMode };
const OPTS = { maxOutputBytes: 65_536, killGraceMs: 300 };
const mk = (id: string, argv: string[], over: Partial<JobStep> = {}): JobStep =>
  step(id, argv, over) as unknown as JobStep;

Deno.test("[runner] argv is passed exactly, with no shell, env scrubbed, stdin null, cwd /", async () => {
  await using s = await sandbox();
  const out = `${s.dir}/out`;
  await Deno.mkdir(out);
  const record = await writeProgram(
    `${s.dir}/bin/record`,
    `#!/bin/sh
for a in "$@"; do printf '%s\\n--\\n' "$a"; done > ${out}/argv
pwd > ${out}/cwd
umask > ${out}/umask
cat > ${out}/stdin
echo "to stdout"; echo "to stderr" >&2
`,
  );
  const argv = [record, "plain", "two words", "$HOME", "*", "a;b|c", "'q'", '"dq"', "", "é"];
  const r = await runStep(JOB, mk("rec", argv), OPTS);
  equal(r.exitCode, 0, r.stderrTail);
  equal(r.signal, null);
  equal(r.stdoutTail, "to stdout\n");
  equal(r.stderrTail, "to stderr\n");
  equal(r.truncated, false);
  const recorded = (await Deno.readTextFile(`${out}/argv`)).split("\n--\n").slice(0, -1);
  deepEqual(recorded, argv.slice(1));
  equal((await Deno.readTextFile(`${out}/cwd`)).trim(), "/");
  equal((await Deno.readTextFile(`${out}/umask`)).trim(), "0022");
  equal(await Deno.readTextFile(`${out}/stdin`), "");

  // /usr/bin/env itself, so no shell adds PWD or SHLVL: exactly the scrubbed set.
  Deno.env.set("http_proxy", "http://proxy.invalid");
  Deno.env.set("LD_PRELOAD", "/tmp/evil.so");
  try {
    const e = await runStep(JOB, mk("env-1", ["/usr/bin/env"]), OPTS);
    const env = Object.fromEntries(
      e.stdoutTail.trim().split("\n").map((
        l,
      ) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    deepEqual(env, scrubbedEnv(JOB, "env-1"));
    deepEqual(Object.keys(env).sort(), [
      "DEBIAN_FRONTEND",
      "HOME",
      "LANG",
      "LC_ALL",
      "PATH",
      "TERM",
      "VPS_SENTRY_JOB_ID",
      "VPS_SENTRY_JOB_MODE",
      "VPS_SENTRY_RUN_ID",
      "VPS_SENTRY_STEP_ID",
    ]);
    equal(env.PATH, "/usr/sbin:/usr/bin:/sbin:/bin");
    equal(env.VPS_SENTRY_STEP_ID, "env-1");
  } finally {
    Deno.env.delete("http_proxy");
    Deno.env.delete("LD_PRELOAD");
  }
  // No PATH lookup: a bare name is not found.
  const bare = await runStep(JOB, mk("bare", ["env"]), OPTS);
  equal(bare.exitCode, null);
  match(bare.stderrTail, /cannot start env/);
});

Deno.test("[runner] a step past its timeout gets SIGTERM, then SIGKILL after the grace", async () => {
  await using s = await sandbox();
  const sleeper = await writeProgram(`${s.dir}/bin/sleeper`, "#!/bin/sh\necho start\nsleep 30\n");
  const t0 = performance.now();
  const r = await runStep(JOB, mk("sleep", [sleeper], { timeoutMs: 1000 }), OPTS);
  equal(r.signal, "SIGTERM");
  equal(r.exitCode, null);
  ok(r.durationMs >= 1000 && performance.now() - t0 < 4000, `${r.durationMs}`);
  equal(r.stdoutTail, "start\n");

  const stubborn = await writeProgram(
    `${s.dir}/bin/stubborn`,
    "#!/bin/sh\ntrap '' TERM\nsleep 30\n",
  );
  const k = await runStep(JOB, mk("stubborn", [stubborn], { timeoutMs: 1000 }), OPTS);
  equal(k.signal, "SIGKILL");
  ok(k.durationMs >= 1300, `${k.durationMs}`);

  // A background child holding stdout open does not hang the runner past the timeout.
  const forker = await writeProgram(`${s.dir}/bin/forker`, "#!/bin/sh\nsleep 30 &\necho bye\n");
  const f0 = performance.now();
  const f = await runStep(JOB, mk("forker", [forker], { timeoutMs: 1000 }), OPTS);
  ok(performance.now() - f0 < 4000);
  equal(f.stdoutTail, "bye\n");
});

Deno.test("[runner] output tails are capped per stream on UTF-8 boundaries", async () => {
  await using s = await sandbox();
  const spew = await writeProgram(
    `${s.dir}/bin/spew`,
    "#!/bin/sh\nhead -c 300000 /dev/zero | tr '\\0' 'a'\necho END\n" +
      "i=0; while [ $i -lt 700 ]; do printf '\\303\\251'; i=$((i+1)); done >&2\n",
  );
  const r = await runStep(JOB, mk("spew", [spew], { maxOutputBytes: 1001 }), OPTS);
  equal(r.exitCode, 0);
  equal(r.truncated, true);
  equal(new TextEncoder().encode(r.stdoutTail).length, 1001);
  ok(r.stdoutTail.endsWith("aaaaEND\n"));
  // 1001 bytes of "é…" start inside a character: the cut moves to the next boundary.
  equal(r.stderrTail, "é".repeat(500));
  // The runner's local maximum wins over a larger job cap.
  const capped = await runStep(JOB, mk("spew2", [spew], { maxOutputBytes: 262_144 }), {
    ...OPTS,
    maxOutputBytes: 4096,
  });
  equal(new TextEncoder().encode(capped.stdoutTail).length, 4096);

  equal(decodeTail(new Uint8Array([0xa9, 0x41]), 2, true), "A");
  const bad = decodeTail(new Uint8Array([0x41, 0xff, 0x42]), 3, false);
  ok(new TextEncoder().encode(bad).length <= 3, "U+FFFD never pushes a tail over its cap");
  equal(bad, "B");
  const tail = new TailBuffer(4);
  for (const c of ["ab", "cd", "ef"]) tail.push(new TextEncoder().encode(c));
  equal(new TextDecoder().decode(tail.bytes()), "cdef");
  equal(tail.total, 6);
  ok(tail.truncated);
});

Deno.test("[runner] a job stops at the first failing step unless it allows failure", async () => {
  await using s = await sandbox();
  const okp = await writeProgram(`${s.dir}/bin/ok`, "#!/bin/sh\necho ok\n");
  const fail = await writeProgram(`${s.dir}/bin/fail`, "#!/bin/sh\necho nope >&2\nexit 3\n");
  const stopped = await runJob(
    { ...JOB, steps: [mk("one", [okp]), mk("two", [fail]), mk("three", [okp])] },
    OPTS,
  );
  equal(stopped.status, "failed");
  deepEqual(stopped.steps.map((x) => [x.id, x.exitCode]), [["one", 0], ["two", 3]]);
  equal(stopped.steps[1].stderrTail, "nope\n");
  const allowed = await runJob(
    {
      ...JOB,
      steps: [mk("one", [okp]), mk("two", [fail], { allowFailure: true }), mk("three", [okp])],
    },
    OPTS,
  );
  equal(allowed.status, "succeeded");
  deepEqual(allowed.steps.map((x) => x.exitCode), [0, 3, 0]);
  const missing = await runJob({ ...JOB, steps: [mk("gone", [`${s.dir}/bin/absent`])] }, OPTS);
  equal(missing.status, "failed");
  equal(missing.steps[0].exitCode, null);
  match(missing.steps[0].stderrTail, /cannot start/);
});

Deno.test("[runner] an accepted job runs with its ids in the environment and is reported", async () => {
  await using s = await sandbox();
  const rt = await enrolledRuntime(s.ctx);
  const show = await writeProgram(
    `${s.dir}/bin/show`,
    '#!/bin/sh\necho "$VPS_SENTRY_JOB_ID $VPS_SENTRY_RUN_ID $VPS_SENTRY_JOB_MODE $VPS_SENTRY_STEP_ID $1"\n',
  );
  await writeAllowlist(s.config, `${show} dry-run,verify\n`);
  const claims = await jobClaims([step("show-1", [show, "x y"]), step("show-2", [show, "z"])], {
    mode: "verify",
    runId: "run_42",
  });
  equal((await processToken(rt, await signJob(claims), "poll")).kind, "accept");
  const result = (await spooledResults(rt))[claims.jti as string];
  equal(result.status, "succeeded");
  const steps = result.steps as { id: string; stdoutTail: string }[];
  deepEqual(steps.map((x) => x.stdoutTail), [
    `${claims.jti} run_42 verify show-1 x y\n`,
    `${claims.jti} run_42 verify show-2 z\n`,
  ]);
});
