import assert from "node:assert/strict";
import {
  applyOverride,
  forbiddenProgram,
  guardPolicy,
  hostOverrideSchema,
  isNormalizedAbsolute,
  needsApproval,
  PROFILES,
  resolveKnobs,
  retryDelaySec,
} from "@/lib/remediation/profiles.ts";
import { CATALOG_EXECUTABLES } from "@/lib/remediation/catalog/mod.ts";

Deno.test("[remediation] profiles: balanced holds the product §1.2 defaults", () => {
  assert.deepEqual(PROFILES.balanced, {
    cooldownSec: 300,
    maxExecutesPerHostPerHour: 6,
    maxQueuedPerHost: 4,
    maxQueuedGlobal: 200,
    queueTtlMin: 120,
    retry: { attempts: 3, baseSec: 15, maxSec: 900 },
    maxSteps: 20,
    maxArgvChars: 800,
    approvalThreshold: "guarded_auto",
    dryRunMaxAgeMin: 30,
    freezeManualInMaintenance: false,
  });
  // strict is tighter than balanced, rapid looser, on every rate knob.
  for (const k of ["cooldownSec"] as const) {
    assert.ok(
      PROFILES.strict[k] > PROFILES.balanced[k] && PROFILES.balanced[k] > PROFILES.rapid[k],
    );
  }
  for (const k of ["maxExecutesPerHostPerHour", "maxQueuedPerHost", "maxQueuedGlobal"] as const) {
    assert.ok(
      PROFILES.strict[k] < PROFILES.balanced[k] && PROFILES.balanced[k] < PROFILES.rapid[k],
    );
  }
});

Deno.test("[remediation] profiles: host overrides merge partially, profile switch first", () => {
  const k = resolveKnobs("balanced", { cooldownSec: 60, retry: { attempts: 1 } });
  assert.equal(k.cooldownSec, 60);
  assert.deepEqual(k.retry, { attempts: 1, baseSec: 15, maxSec: 900 });
  assert.equal(k.maxQueuedPerHost, 4);
  const s = resolveKnobs("balanced", { profile: "strict", maxSteps: 18 });
  assert.deepEqual([s.cooldownSec, s.maxSteps], [900, 18]);
  assert.deepEqual(applyOverride(PROFILES.rapid, null), PROFILES.rapid);
  assert.equal(hostOverrideSchema.safeParse({ maxSteps: 40 }).success, false);
  assert.equal(hostOverrideSchema.safeParse({ cooldown: 5 }).success, false);
  assert.equal(hostOverrideSchema.safeParse({ retry: { baseSec: 5 } }).success, true);
  assert.equal(guardPolicy("balanced", { profile: "rapid" }).profile, "rapid");
});

Deno.test("[remediation] profiles: retries back off exponentially up to the cap", () => {
  assert.deepEqual([1, 2, 3].map((n) => retryDelaySec(PROFILES.balanced, n)), [15, 30, null]);
  const many = { ...PROFILES.balanced, retry: { attempts: 10, baseSec: 15, maxSec: 900 } };
  assert.deepEqual([1, 6, 7, 9].map((n) => retryDelaySec(many, n)), [15, 480, 900, 900]);
  assert.equal(retryDelaySec(many, 0), null);
});

Deno.test("[remediation] profiles: approval thresholds", () => {
  assert.equal(needsApproval("observe", PROFILES.strict), false);
  assert.equal(needsApproval("safe_auto", PROFILES.strict), true);
  assert.equal(needsApproval("safe_auto", PROFILES.balanced), false);
  assert.equal(needsApproval("guarded_auto", PROFILES.balanced), true);
  assert.equal(needsApproval("guarded_auto", PROFILES.rapid), false);
  assert.equal(needsApproval("risky_manual", PROFILES.rapid), true);
});

Deno.test("[remediation] profiles: forbidden programs by basename, and allowlist hygiene", () => {
  for (
    const p of [
      "/bin/sh",
      "/tmp/bash",
      "/usr/bin/env",
      "/usr/bin/sudo",
      "/usr/bin/python3.12",
      "/usr/bin/perl5.36",
      "/usr/bin/find",
      "/usr/bin/xargs",
      "/usr/bin/busybox",
      "/usr/bin/ssh",
      "/usr/bin/BASH",
      "/usr/local/bin/node20",
      "/usr/bin/systemd-run",
      "/usr/bin/php8.2-cli",
      "/usr/bin/mksh",
      "/usr/bin/timeout",
      "/usr/bin/awk",
      "/usr/bin/sed",
    ]
  ) assert.ok(forbiddenProgram(p), p);
  for (const e of CATALOG_EXECUTABLES) assert.equal(forbiddenProgram(e.path), null, e.path);
  assert.throws(
    () =>
      guardPolicy("balanced", null, { allow: [{ path: "/usr/bin/python3", modes: ["execute"] }] }),
    /python3 runs arbitrary code/,
  );
  assert.throws(
    () =>
      guardPolicy("balanced", null, {
        allow: [{ path: "/usr/bin/../bin/ls", modes: ["execute"] }],
      }),
    /absolute path/,
  );
  assert.equal(isNormalizedAbsolute("/usr/sbin/ufw"), true);
  for (const p of ["usr/bin/ls", "/usr//bin/ls", "/usr/bin/", "/usr/./bin/ls", "/", "/a b"]) {
    assert.equal(isNormalizedAbsolute(p), false, p);
  }
  // The policy's allow rules and the catalog's executable table agree, modes included.
  const policy = guardPolicy();
  assert.deepEqual(
    policy.allow.map((r) => [r.path, [...r.modes].sort()]).sort(),
    CATALOG_EXECUTABLES.map((e) => [e.path, [...e.modes].sort()]).sort(),
  );
});
