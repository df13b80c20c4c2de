import assert from "node:assert/strict";
import { parseStatusPush } from "@/lib/ingest/parse.ts";
import type { ParsedSnapshot } from "@/lib/ingest/types.ts";
import { compareSignals, snapshotSignals } from "@/lib/signals/normalize.ts";
import { computePosture } from "@/lib/signals/posture.ts";
import { heartbeatState } from "@/lib/signals/heartbeat.ts";
import { parsePortRules, portExpected } from "@/lib/signals/port_rules.ts";
import { parseDestination } from "@/lib/signals/from_threat.ts";
import type { Signal } from "@/lib/signals/types.ts";
import { fixtureBytes, STATUS_FIXTURES } from "../../support/agent_fixtures.ts";

const TS = "2026-11-25T17:00:00.000Z";

/** A parsed snapshot straight from a base object (counts are not read by the normalizer). */
function snap(
  base: Record<string, unknown>,
  extra: Partial<ParsedSnapshot> = {},
): ParsedSnapshot {
  return {
    base,
    last: null,
    diff: null,
    okFlag: true,
    ts: TS,
    receivedAt: TS,
    warnings: [],
    counts: {
      alertsCount: 0,
      publicPortsTotalCount: 0,
      publicPortsCount: 0,
      unexpectedPublicPortsCount: null,
      expectedPublicPorts: null,
    },
    payloadHash: "0".repeat(64),
    payloadBytes: 0,
    reportedHost: null,
    agentVersion: null,
    ...extra,
  };
}

/** A fixture parsed as its own host at its own time (so no ingest warnings). */
async function fixture(name: string): Promise<Signal[]> {
  const want = STATUS_FIXTURES[name];
  const parsed = await parseStatusPush(fixtureBytes(name), {
    receivedAt: new Date(want.ts),
    host: { id: "01H", name: want.host, slug: "h" },
  });
  return snapshotSignals(parsed);
}

const codes = (signals: Signal[]) => signals.map((s) => `${s.severity}:${s.code}`);
const fresh = () => heartbeatState(new Date(TS), new Date(TS));

function assertWellFormed(signals: Signal[]): void {
  assert.deepEqual([...signals].sort(compareSignals), signals, "canonical order");
  assert.equal(
    new Set(signals.map((s) => s.fingerprint)).size,
    signals.length,
    "unique fingerprints",
  );
  for (const s of signals) {
    assert.ok(s.title.length > 0 && s.title.length <= 200, s.code);
    assert.ok(s.detail.length <= 2_000, s.code);
    assert.match(s.code, /^[a-z0-9_]{1,80}$/);
    assert.ok(s.fingerprint.startsWith(s.code), s.fingerprint);
    assert.ok(s.source.length > 0);
    for (const t of s.mitre ?? []) assert.match(t, /^T\d{4}(\.\d{3})?$/);
  }
}

Deno.test("[signals] real-debian: a critical process IOC with evidence and port tcp:2024", async () => {
  const signals = await fixture("status-real-debian.json");
  assertWellFormed(signals);
  assert.deepEqual(codes(signals), [
    "critical:suspicious_process_ioc",
    "high:unexpected_public_port",
  ]);
  const [ioc, port] = signals;
  assert.equal(ioc.source, "threat");
  assert.equal(ioc.fingerprint, "suspicious_process_ioc|bash|/usr/bin/bash");
  assert.deepEqual(ioc.mitre, ["T1059"]);
  assert.equal(ioc.ts, "2026-11-25T16:56:15.675Z");
  assert.deepEqual(ioc.evidence, {
    pid: 9485,
    ppid: 9484,
    user: "root",
    proc: "bash",
    exe: "/usr/bin/bash",
    cmdline: "bash /dev/fd/3",
    reasons: ["relative executable launched from suspicious writable runtime cwd (/tmp/rs/run)"],
    cpu_percent: 0,
  });
  assert.match(ioc.detail, /pid=9485 ppid=9484 user=root proc=bash/);
  assert.equal(port.fingerprint, "unexpected_public_port|tcp:2024");
  assert.equal(port.source, "ports");
  assert.equal(port.mitre, undefined);
  assert.deepEqual(port.evidence, {
    proto: "tcp",
    host: "0.0.0.0",
    port: 2024,
    proc: "",
    pid: 0,
    sig: "tcp|0.0.0.0|2024|",
  });
  const posture = computePosture(signals, fresh());
  assert.equal(posture.band, "critical");
  assert.equal(posture.stage, "contain");
  assert.equal(posture.score, 90);
});

Deno.test("[signals] envelope-real gives exactly the signals of its status", async () => {
  assert.deepEqual(await fixture("envelope-real.json"), await fixture("status-real-debian.json"));
});

Deno.test("[signals] ioc-outbound: critical outbound scan with destinations, T1046, no port", async () => {
  const signals = await fixture("status-ioc-outbound.json");
  assertWellFormed(signals);
  assert.deepEqual(codes(signals), ["critical:outbound_scan_ioc", "low:ssh_bruteforce_activity"]);
  const [scan, auth] = signals;
  assert.deepEqual(scan.mitre, ["T1046"]);
  assert.equal(scan.fingerprint, "outbound_scan_ioc|node|/usr/bin/node");
  const ev = scan.evidence!;
  assert.equal(ev.pid, 48813);
  assert.equal(ev.unit, "shop-api.service");
  assert.equal(ev.exe, "/usr/bin/node");
  assert.equal(ev.cmdline, "node /srv/shop-api/dist/server.js");
  assert.equal(ev.syn_sent, 14);
  assert.equal(ev.unique_dst_ips, 18);
  assert.equal(ev.dominant_dst_port, 22);
  assert.equal((ev.sample_dst as string[]).length, 12);
  assert.deepEqual((ev.destinations as unknown[])[0], {
    ip: "198.51.100.23",
    port: 22,
    state: "syn-sent",
  });
  assert.match(scan.detail, /19 outbound connections to 18 unique public destinations/);
  assert.ok(!signals.some((s) => s.code === "suspicious_process_ioc"));
  assert.ok(!signals.some((s) => s.code === "unexpected_public_port"));
  assert.deepEqual(auth.evidence, { ssh_failed_password: 3, ssh_invalid_user: 1 });
  assert.deepEqual(auth.mitre, ["T1110"]);
  const posture = computePosture(signals, fresh());
  assert.equal(posture.band, "critical");
  assert.equal(posture.stage, "lockdown", "the host is scanning others");
});

Deno.test("[signals] drift: self integrity critical, 5 drift signals, redis and 8080 unexpected", async () => {
  const signals = await fixture("status-drift.json");
  assertWellFormed(signals);
  assert.deepEqual(codes(signals), [
    "critical:self_integrity_changed",
    "high:firewall_changed",
    "high:unexpected_public_port",
    "high:unexpected_public_port",
    "high:user_list_changed",
    "high:watched_files_changed",
    "medium:packages_changed",
    "medium:public_ports_changed",
    "low:ssh_bruteforce_activity",
  ]);
  const by = (code: string) => signals.filter((s) => s.code === code);
  assert.deepEqual(by("self_integrity_changed")[0].mitre, ["T1562.001"]);
  assert.deepEqual(by("firewall_changed")[0].mitre, ["T1562.004"]);
  assert.deepEqual(by("user_list_changed")[0].mitre, ["T1136"]);
  assert.deepEqual(by("watched_files_changed")[0].mitre, ["T1098.004", "T1543.002", "T1548.003"]);
  assert.deepEqual(by("user_list_changed")[0].evidence?.changes, {
    Added: ["deploy(uid=1001)", "www-data(uid=33)"],
    Removed: ["www-data(uid=33)"],
  });
  const drift = signals.filter((s) => s.source === "alert" && s.code !== "self_integrity_changed");
  assert.equal(drift.length, 5);
  const ports = by("unexpected_public_port");
  assert.deepEqual(ports.map((s) => s.fingerprint), [
    "unexpected_public_port|tcp:6379",
    "unexpected_public_port|tcp:8080",
  ]);
  assert.deepEqual(ports.map((s) => s.evidence?.proc), ["redis-server", "python3"]);
  assert.deepEqual(ports.map((s) => s.evidence?.pid), [2817, 51204]);
  assert.equal(by("ssh_noise_spike").length, 0, "23/7 is under the agent's thresholds");
  assert.equal(by("new_ssh_accept").length, 0);
  assert.equal(by("ssh_bruteforce_activity")[0].severity, "low");
  const posture = computePosture(signals, fresh());
  assert.equal(posture.band, "critical");
  assert.equal(posture.score, 100);
  assert.equal(posture.stage, "contain");
});

Deno.test("[signals] minimal: two code-less alerts; rich: its title names a known code", async () => {
  const minimal = await fixture("status-minimal.json");
  assertWellFormed(minimal);
  assert.deepEqual(codes(minimal), ["medium:alert_a", "medium:alert_b"]);
  assert.deepEqual(minimal.map((s) => s.title), ["A", "B"]);
  assert.deepEqual(minimal[0].evidence, { agentSeverity: "warn", codeFrom: "title" });
  assert.equal(computePosture(minimal, fresh()).band, "low");

  const rich = await fixture("status-rich.json");
  assertWellFormed(rich);
  assert.deepEqual(codes(rich), ["medium:packages_changed"]);
  assert.equal(rich[0].evidence?.codeFrom, "title");
  assert.equal(computePosture(rich, fresh()).band, "low");
});

Deno.test("[signals] alert codes: catalog severities, unknown codes kept, titles as codes", () => {
  const alerts = [
    { code: "new_ssh_accept", severity: "warn", title: "New SSH accepted login" },
    {
      code: "cron_changed",
      severity: "warn",
      title: "Cron changed",
      detail: "Changed:\n/etc/cron.d",
    },
    { code: "ssh_noise_spike", severity: "warn", detail: "Failed password: 40, Invalid user: 2" },
    { code: "cpu_hotspot", severity: "warn", title: "CPU hotspot detected" },
    { code: "host_disk_warn", severity: "warn", title: "Host disk pressure", path: "/" },
    { code: "host_disk_critical", severity: "critical", title: "Host disk pressure", path: "/srv" },
    { code: "project_disk_growth_warn", severity: "warn", project: "shop" },
    { code: "app_readyz_failed", severity: "critical", title: "VPS Sentry web readiness failed" },
    { code: "brand_new_check", severity: "critical", title: "New check" },
    { code: "another_new_one", severity: "info", title: "FYI" },
    { code: "third_new_one", title: "No severity" },
    { code: "fourth_new_one", severity: "loud", title: "Bad severity" },
    { code: "Weird Code!", severity: "warn", title: "Odd" },
    { code: "constructor", severity: "warn", title: "Inherited name" },
    { title: "Disk almost full!" },
    { title: "Диск заполнен" },
    { title: "" },
    { title: "Host disk pressure", severity: "critical" },
  ];
  const signals = snapshotSignals(snap({ alerts }));
  assertWellFormed(signals);
  const got = Object.fromEntries(signals.map((s) => [s.fingerprint, s.severity]));
  assert.deepEqual(got, {
    "new_ssh_accept": "high",
    "cron_changed": "medium",
    "ssh_noise_spike": "medium",
    "cpu_hotspot": "low",
    "host_disk_warn|/": "medium",
    "host_disk_critical|/srv": "critical",
    "host_disk_critical": "critical",
    "project_disk_growth_warn|shop": "medium",
    "app_readyz_failed": "high",
    "brand_new_check": "critical",
    "another_new_one": "info",
    "third_new_one": "medium",
    "fourth_new_one": "medium",
    "weird_code": "medium",
    "constructor": "medium",
    "alert_disk_almost_full": "medium",
    [signals.find((s) => s.title === "Диск заполнен")!.fingerprint]: "medium",
    "alert_untitled": "medium",
  });
  const find = (fp: string) => signals.find((s) => s.fingerprint === fp)!;
  assert.deepEqual(find("new_ssh_accept").mitre, ["T1078"]);
  assert.deepEqual(find("cron_changed").mitre, ["T1053.003"]);
  assert.deepEqual(find("ssh_noise_spike").mitre, ["T1110"]);
  assert.equal(find("ssh_noise_spike").evidence?.ssh_failed_password, 40);
  assert.equal(find("weird_code").evidence?.agentCode, "Weird Code!");
  assert.equal(find("host_disk_warn|/").evidence?.path, "/");
  assert.match(signals.find((s) => s.title === "Диск заполнен")!.code, /^alert_h[0-9a-f]{8}$/);
  assert.equal(find("cpu_hotspot").mitre, undefined);
});

Deno.test("[signals] watched files: severity and technique follow the paths", () => {
  const one = (detail: string) =>
    snapshotSignals(
      snap({ alerts: [{ code: "watched_files_changed", severity: "warn", detail }] }),
    )[0];
  const nginx = one("Changed:\n/etc/nginx/sites-enabled");
  assert.equal(nginx.severity, "medium");
  assert.equal(nginx.mitre, undefined);
  const keys = one("Changed:\n/home/deploy/.ssh/authorized_keys");
  assert.equal(keys.severity, "high");
  assert.deepEqual(keys.mitre, ["T1098.004"]);
  assert.equal(one("Changed:\n/etc/ssh/sshd_config").severity, "high");
  assert.deepEqual(one("Added watch paths:\n/etc/sudoers.d/90-x").mitre, ["T1548.003"]);
});

Deno.test("[signals] IOC alerts without a threat block are read from their detail", () => {
  const real = JSON.parse(new TextDecoder().decode(fixtureBytes("status-real-debian.json")));
  const fromDetail = snapshotSignals(snap({ alerts: real.alerts }));
  assert.equal(fromDetail.length, 1);
  const ioc = fromDetail[0];
  assert.equal(
    ioc.fingerprint,
    "suspicious_process_ioc|bash|/usr/bin/bash",
    "same finding as hits",
  );
  assert.equal(ioc.severity, "critical");
  assert.equal(ioc.evidence?.pid, 9485);
  assert.equal(ioc.evidence?.cmdline, "bash /dev/fd/3");
  assert.deepEqual(ioc.evidence?.reasons, [
    "relative executable launched from suspicious writable runtime cwd (/tmp/rs/run)",
  ]);

  const out = JSON.parse(new TextDecoder().decode(fixtureBytes("status-ioc-outbound.json")));
  const scan = snapshotSignals(snap({ alerts: out.alerts }))[0];
  assert.equal(scan.fingerprint, "outbound_scan_ioc|node|/usr/bin/node");
  assert.deepEqual(scan.mitre, ["T1046"]);
  const ev = scan.evidence!;
  assert.deepEqual(
    [ev.pid, ev.unique_dst_ips, ev.connections, ev.syn_sent, ev.dominant_dst_port, ev.unit],
    [48813, 18, 19, 14, 22, "shop-api.service"],
  );
  assert.equal(ev.dominant_dst_port_ratio, 0.89);
  assert.equal((ev.sample_dst as string[]).length, 6);

  // No hit blocks in the detail: one signal from the alert itself, still critical.
  const bare = snapshotSignals(snap({
    alerts: [{ code: "suspicious_process_ioc", severity: "critical", detail: "Something odd." }],
  }));
  assert.deepEqual(codes(bare), ["critical:suspicious_process_ioc"]);
  // An indicator alone still counts; with its alert it adds nothing.
  const indicator = {
    id: "suspicious-process-ioc",
    severity: "critical",
    title: "Suspicious process IOC detected",
    detail: "1 suspicious runtime process(es) matched IOC heuristics.",
  };
  const alone = snapshotSignals(snap({ threat: { indicators: [indicator] } }));
  assert.deepEqual(codes(alone), ["critical:suspicious_process_ioc"]);
  assert.equal(alone[0].source, "threat");
  const cpu = { id: "cpu-hotspot", severity: "warn", title: "CPU hotspot detected" };
  assert.deepEqual(
    codes(
      snapshotSignals(snap({ threat: { indicators: [cpu] }, alerts: [{ code: "cpu_hotspot" }] })),
    ),
    ["low:cpu_hotspot"],
  );
});

Deno.test("[signals] process hits: same program is one finding; miners map to T1496", () => {
  const hit = (pid: number, extra: Record<string, unknown> = {}) => ({
    pid,
    user: "www-data",
    proc: "kworkerds",
    exe: "/tmp/.x/kworkerds",
    cmdline: "./kworkerds -o stratum+tcp://pool.example:3333",
    reasons: ["high-CPU process (98.0%) executing from user-writable path (/tmp/.x)"],
    ...extra,
  });
  const signals = snapshotSignals(snap({
    threat: { suspicious_processes: [hit(100), hit(200), hit(300, { exe: "/dev/shm/k" })] },
  }));
  assertWellFormed(signals);
  assert.equal(signals.length, 2);
  const merged = signals.find((s) => s.evidence?.exe === "/tmp/.x/kworkerds")!;
  assert.deepEqual(merged.evidence?.pids, [100, 200]);
  assert.equal(merged.evidence?.occurrences, 2);
  assert.deepEqual(merged.mitre, ["T1496"]);
  const scanner = snapshotSignals(snap({
    threat: {
      suspicious_processes: [{
        pid: 5,
        proc: "masscan",
        exe: "/usr/bin/masscan",
        reasons: ["process name/cmdline matches scanner IOC pattern"],
      }],
    },
  }))[0];
  assert.deepEqual(scanner.mitre, ["T1046"]);
  const persistence = snapshotSignals(
    snap({ threat: { persistence_hits: [{ path: "/etc/rc.local" }] } }),
  );
  assert.deepEqual(codes(persistence), ["high:persistence_hit"]);
});

Deno.test("[signals] unexpected ports are computed from rules when the agent did not", () => {
  const listener = (proto: string, host: string, port: number, proc = "x") => ({
    proto,
    host,
    port,
    proc,
    pid: 7,
    public: true,
    sig: `${proto}|${host}|${port}|${proc}`,
  });
  const base = {
    ports_public: [
      listener("udp", "203.0.113.5", 68),
      listener("tcp", "0.0.0.0", 3150),
      listener("tcp", "0.0.0.0", 5432, "postgres"),
      listener("tcp", "0.0.0.0", 6379, "redis-server"),
      listener("tcp", "::", 6379, "redis-server"),
      listener("udp", "0.0.0.0", 3150),
      listener("tcp", "0.0.0.0", 4100),
      { proto: "tcp", port: "bad" },
      "junk",
    ],
    expected_public_ports: [" UDP:68 ", "tcp:3100-3199", "tcp:4199-4100", "nonsense"],
    blocked_inbound_ports: ["tcp:5432"],
  };
  const signals = snapshotSignals(snap(base));
  assertWellFormed(signals);
  assert.deepEqual(signals.map((s) => s.fingerprint), [
    "unexpected_public_port|tcp:4100",
    "unexpected_public_port|tcp:6379",
    "unexpected_public_port|udp:3150",
  ]);
  const redis = signals[1];
  assert.equal(redis.evidence?.computed, true);
  assert.equal((redis.evidence?.listeners as unknown[]).length, 2);
  assert.match(redis.detail, /0\.0\.0\.0:6379 and \[::\]:6379/);
  // The agent's list wins when present; with neither list nor rules the answer is unknown.
  const agent = snapshotSignals(snap({ ...base, ports_public_unexpected: [] }));
  assert.equal(agent.length, 0);
  assert.equal(snapshotSignals(snap({ ports_public: base.ports_public })).length, 0);
  // Rules: ranges inclusive, reversed range matches nothing, proto and whitespace tolerant.
  const rules = parsePortRules(["tcp:22, udp : 68", "tcp:3100-3199", "tcp:10-5", "tcp:0", "x"]);
  assert.equal(rules.length, 4);
  assert.ok(portExpected("TCP", 3100, rules) && portExpected("tcp", 3199, rules));
  assert.ok(!portExpected("tcp", 3200, rules) && !portExpected("udp", 22, rules));
  assert.ok(!portExpected("tcp", 7, rules), "reversed range");
  assert.deepEqual(parseDestination("2001:db8::1:443 (syn-sent)"), {
    ip: "2001:db8::1",
    port: 443,
    state: "syn-sent",
  });
});

Deno.test("[signals] auth counters, vitals pressure and ingest warnings", () => {
  const at = (
    auth: Record<string, unknown>,
    alerts: unknown[] = [],
    last: Record<string, unknown> | null = null,
  ) => snapshotSignals(snap({ auth, alerts }, { last }));
  assert.deepEqual(
    at({ ssh_failed_password: 0, ssh_invalid_user: 0, new_ssh_accepts_count: 0 }),
    [],
  );
  assert.deepEqual(codes(at({ ssh_failed_password: 30 })), ["medium:ssh_bruteforce_activity"]);
  assert.deepEqual(codes(at({ ssh_invalid_user: "9" })), [], "non-numbers are ignored");
  const spike = [{
    code: "ssh_noise_spike",
    severity: "warn",
    detail: "Failed password: 30, Invalid user: 0",
  }];
  assert.deepEqual(codes(at({ ssh_failed_password: 30 }, spike)), ["medium:ssh_noise_spike"]);
  const accepts = at({ new_ssh_accepts_count: 1 }, [], {
    new_ssh_accepts: [{ user: "root", ip: "192.0.2.7" }],
  });
  assert.deepEqual(codes(accepts), ["high:new_ssh_accept"]);
  assert.deepEqual(accepts[0].mitre, ["T1078"]);
  assert.match(accepts[0].detail, /root@192\.0\.2\.7/);

  const vitals = (memory: Record<string, unknown>, cpu = 10) =>
    codes(snapshotSignals(snap({ vitals: { memory, cpu: { used_percent: cpu } } })));
  assert.deepEqual(vitals({ used_percent: 79.9 }), []);
  assert.deepEqual(vitals({ used_percent: 80 }), ["medium:memory_pressure"]);
  assert.deepEqual(vitals({ used_percent: 90 }), ["high:memory_pressure"]);
  assert.deepEqual(vitals({ used_percent: null, used_mb: 950, total_mb: 1000 }), [
    "high:memory_pressure",
  ]);
  assert.deepEqual(vitals({}, 95), ["medium:cpu_pressure"]);
  assert.deepEqual(vitals({}, 94.9), []);
  assert.deepEqual(codes(snapshotSignals(snap({ vitals: {} }))), []);

  const warned = snapshotSignals(snap({}, {
    warnings: [
      "ingest_ts_invalid_or_missing",
      "ingest_clock_skew_high:45m",
      "ingest_alerts_count_mismatch",
      "ingest_host_mismatch:db-9",
      "ingest_host_disabled",
    ],
  }));
  assertWellFormed(warned);
  assert.deepEqual(codes(warned), [
    "medium:ingest_host_mismatch",
    "low:ingest_clock_skew_high",
    "low:ingest_ts_invalid_or_missing",
    "info:ingest_alerts_count_mismatch",
    "info:ingest_host_disabled",
  ]);
  assert.deepEqual(warned[0].evidence, { reportedHost: "db-9" });
  assert.deepEqual(warned[1].evidence, { skewMinutes: 45 });
  assert.ok(warned.every((s) => s.source === "ingest"));
});

Deno.test("[signals] output is deterministic and bounded whatever the input order and size", () => {
  const alerts = [
    { code: "packages_changed", severity: "warn", detail: "x".repeat(5_000) },
    { code: "self_integrity_changed", severity: "critical", title: "T".repeat(500) },
    { code: "firewall_changed", severity: "warn" },
    { code: "a_new_code", severity: "warn" },
  ];
  const one = snapshotSignals(snap({ alerts }));
  const two = snapshotSignals(snap({ alerts: [...alerts].reverse() }));
  assert.deepEqual(one, two);
  assertWellFormed(one);
  assert.deepEqual(codes(one), [
    "critical:self_integrity_changed",
    "high:firewall_changed",
    "medium:a_new_code",
    "medium:packages_changed",
  ]);
  const long = one.find((s) => s.code === "packages_changed")!;
  assert.equal(long.detail.length, 2_000);
  assert.ok(long.detail.endsWith("…"));
  // Hostile-looking but valid content never throws.
  const odd = snapshotSignals(snap({
    alerts: [{ code: "toString" }, { code: "hasOwnProperty", title: 5 }],
    threat: {
      suspicious_processes: [null, 5, { reasons: "x" }],
      outbound_suspicious: "x",
      indicators: [{}],
    },
    auth: { ssh_failed_password: -5 },
    ports_public_unexpected: [{ sig: "udp|68" }, { sig: "tcp|0.0.0.0|22|sshd" }],
    vitals: { memory: { used_percent: "99" }, cpu: [] },
  }));
  assertWellFormed(odd);
  assert.ok(odd.some((s) => s.fingerprint === "unexpected_public_port|tcp:22"), "port from sig");
});
