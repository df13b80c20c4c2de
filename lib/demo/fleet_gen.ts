/**
 * A realistic, deterministic fleet for demos and benchmarks: host names, groups and tags, and
 * status payloads in the vps-sentry agent's own shape, built from the shared agent fixtures
 * (`status-real-debian.json` as the frame, the IOC alerts and threat blocks of
 * `status-real-debian.json` and `status-ioc-outbound.json`, the drift alerts of
 * `status-drift.json`). Everything follows from a seed, so two runs with the same seed produce
 * the same fleet.
 *
 * Per host a profile decides what its snapshots show over the seeded period (`progress` 0..1):
 * a compromise (process or outbound-scan IOC, a few percent of hosts) from some point on,
 * unexpected public ports opening (and sometimes closing again), a burst of baseline drift,
 * package updates, SSH noise, CPU and memory load, and for a few hosts a silence at the end.
 *
 * @module
 */

type Json = Record<string, unknown>;

/** The fixture payloads the generator copies from. */
export interface FixtureSet {
  /** `status-real-debian.json`: the frame, and the process IOC. */
  debian: Json;
  /** `status-ioc-outbound.json`: the outbound-scan IOC. */
  outbound: Json;
  /** `status-drift.json`: drift alerts. */
  drift: Json;
}

/** Where the agent fixtures live (outside the repository, shared by every project). */
export const FIXTURES_DIR = new URL("../../../shared/fixtures/agent/", import.meta.url);

/**
 * Reads the fixtures the generator needs.
 *
 * @example
 * ```ts
 * const fixtures = await loadFixtures();
 * statusPayload(fixtures, demoHost(1, 0), { ts: new Date(), progress: 1, prevProgress: 0.9 });
 * ```
 */
export async function loadFixtures(dir: URL = FIXTURES_DIR): Promise<FixtureSet> {
  const read = async (name: string) =>
    JSON.parse(await Deno.readTextFile(new URL(name, dir))) as Json;
  return {
    debian: await read("status-real-debian.json"),
    outbound: await read("status-ioc-outbound.json"),
    drift: await read("status-drift.json"),
  };
}

/**
 * A small deterministic PRNG (mulberry32): numbers in [0, 1).
 *
 * @example
 * ```ts
 * const r = prng(42); r(); // always the same first number for seed 42
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a host's snapshots show over the seeded period (fractions of it, 0..1). */
export interface HostProfile {
  ioc: "process" | "outbound" | null;
  iocFrom: number;
  /** Unexpected public ports and when they are open. */
  ports: number[];
  portsFrom: number;
  portsUntil: number;
  /** A burst of baseline drift alerts, or null. */
  driftAt: number | null;
  /** Chance of SSH brute-force noise per snapshot. */
  sshNoise: number;
  /** Chance of a package update per snapshot. */
  packages: number;
  cpu: number;
  memory: number;
  /** The host stops pushing from here (a few hosts), or null. */
  silentFrom: number | null;
}

/** One generated host. */
export interface DemoHost {
  index: number;
  name: string;
  group: string;
  tags: string[];
  profile: HostProfile;
}

const ROLES = ["web", "api", "db", "cache", "worker", "edge", "mail", "ci"] as const;
const REGIONS = ["eu-west", "us-east", "ap-south", "eu-north"] as const;
const RISKY_PORTS: [number, string][] = [
  [6379, "redis-server"],
  [8080, "python3"],
  [9200, "java"],
  [27017, "mongod"],
  [5000, "node"],
  [8443, "caddy"],
  [3306, "mysqld"],
  [11211, "memcached"],
];

/**
 * Host `index` of the fleet for `seed`: name `<role>-<region>-<nnnnn>`, group = role, tags
 * region and environment, and its profile.
 *
 * @example
 * ```ts
 * demoHost(7, 0).name; // "web-eu-west-00000"
 * ```
 */
export function demoHost(seed: number, index: number): DemoHost {
  const r = prng(seed * 1_000_003 + index);
  const role = ROLES[index % ROLES.length];
  const region = REGIONS[Math.floor(index / ROLES.length) % REGIONS.length];
  const env = r() < 0.8 ? "prod" : "staging";
  const iocRoll = r();
  const portCount = r() < 0.55 ? 1 + Math.floor(r() * 4) : 0;
  const start = Math.floor(r() * RISKY_PORTS.length);
  const profile: HostProfile = {
    ioc: iocRoll < 0.02 ? "process" : iocRoll < 0.03 ? "outbound" : null,
    iocFrom: 0.3 + r() * 0.7,
    ports: Array.from({ length: portCount }, (_, i) => RISKY_PORTS[(start + i) % 8][0]),
    portsFrom: r() * 0.6,
    portsUntil: r() < 0.3 ? 0.6 + r() * 0.3 : 2,
    driftAt: r() < 0.1 ? r() * 0.95 : null,
    sshNoise: r() < 0.85 ? 0.6 + r() * 0.4 : 0,
    packages: 0.05 + r() * 0.2,
    cpu: 5 + r() * 60,
    memory: 20 + r() * 55,
    silentFrom: r() < 0.01 ? 0.97 + r() * 0.02 : null,
  };
  return {
    index,
    name: `${role}-${region}-${String(index).padStart(5, "0")}`,
    group: role,
    tags: [region, env],
    profile,
  };
}

/** Whether the host pushes at this point of the period. */
export function pushesAt(host: DemoHost, progress: number): boolean {
  return host.profile.silentFrom === null || progress < host.profile.silentFrom;
}

function listener(port: number, proc: string, pid: number): Json {
  return {
    host: "0.0.0.0",
    pid,
    port,
    proc,
    proto: "tcp",
    public: true,
    raw: `tcp LISTEN 0      511          0.0.0.0:${port}       0.0.0.0:*    ` +
      `users:(("${proc}",pid=${pid},fd=6))`,
    sig: `tcp|0.0.0.0|${port}|${proc}`,
  };
}

function openPorts(p: HostProfile, progress: number): number[] {
  return progress >= p.portsFrom && progress < p.portsUntil ? p.ports : [];
}

function alertOf(fixture: Json, code: string): Json | undefined {
  return (fixture.alerts as Json[]).find((a) => a.code === code);
}

/** Where a payload sits in the period, and the point of the host's previous snapshot. */
export interface PayloadAt {
  ts: Date;
  progress: number;
  prevProgress: number;
}

/**
 * One status payload of `host` at `at`, as the agent would post it (legacy `status.json`
 * form). Randomness is drawn from the host, its time and `seed`, so it is reproducible.
 *
 * @example
 * ```ts
 * const body = JSON.stringify(statusPayload(fixtures, host, { ts, progress: 0.5, prevProgress: 0.45 }));
 * ```
 */
export function statusPayload(fx: FixtureSet, host: DemoHost, at: PayloadAt, seed = 1): Json {
  const p = host.profile;
  const r = prng(seed ^ Math.imul(host.index + 1, 2654435761) ^ at.ts.getTime() / 1000);
  const doc = structuredClone(fx.debian);
  const alerts: Json[] = [];
  const threat: Json = {
    indicators: [],
    outbound_suspicious: [],
    persistence_hits: [],
    suspicious_processes: [],
  };
  if (p.ioc && at.progress >= p.iocFrom) {
    const source = p.ioc === "process" ? fx.debian : fx.outbound;
    alerts.push(...structuredClone(source.alerts as Json[]));
    Object.assign(threat, structuredClone(source.threat as Json));
  }
  const ports = openPorts(p, at.progress);
  const before = openPorts(p, at.prevProgress);
  if (ports.join() !== before.join()) {
    const added = ports.filter((x) => !before.includes(x));
    const removed = before.filter((x) => !ports.includes(x));
    alerts.push({
      code: "public_ports_changed",
      severity: "warn",
      title: "Public listening ports changed",
      detail: [
        added.length ? `Added public listeners:\n${added.map((x) => `+ tcp|0.0.0.0|${x}`)}` : "",
        removed.length
          ? `Removed public listeners:\n${removed.map((x) => `- tcp|0.0.0.0|${x}`)}`
          : "",
      ].filter(Boolean).join("\n"),
    });
  }
  const drifting = p.driftAt !== null && at.progress >= p.driftAt && at.progress < p.driftAt + 0.04;
  if (drifting) {
    for (const code of ["user_list_changed", "watched_files_changed", "firewall_changed"]) {
      if (r() < 0.6) alerts.push(structuredClone(alertOf(fx.drift, code)!));
    }
  }
  if (r() < p.packages) alerts.push(structuredClone(alertOf(fx.drift, "packages_changed")!));

  const base = [listener(22, "sshd", 612), listener(443, "nginx", 901)];
  const risky = ports.map((port) =>
    listener(port, RISKY_PORTS.find(([x]) => x === port)?.[1] ?? "app", 2000 + port % 5000)
  );
  const noisy = r() < p.sshNoise;
  const cpu = Math.min(100, Math.max(0, p.cpu + (r() - 0.5) * 30 + (r() < 0.01 ? 60 : 0)));
  const memory = Math.min(99, Math.max(1, p.memory + (r() - 0.5) * 20 + (r() < 0.03 ? 25 : 0)));
  const totalMb = [2048, 4096, 8192, 16384][host.index % 4];
  const vitals = structuredClone(doc.vitals as Json);
  vitals.cpu = {
    capacity_percent: 100,
    cores: 2 + (host.index % 3) * 2,
    used_percent: round1(cpu),
  };
  vitals.memory = {
    available_mb: round1(totalMb * (1 - memory / 100)),
    capacity_percent: 100,
    total_mb: totalMb,
    used_mb: round1(totalMb * memory / 100),
    used_percent: round1(memory),
  };
  Object.assign(doc, {
    alerts,
    alerts_count: alerts.length,
    auth: {
      new_ssh_accepts_count: 0,
      ssh_failed_password: noisy ? 1 + Math.floor(r() * 30) : 0,
      ssh_invalid_user: noisy ? Math.floor(r() * 12) : 0,
    },
    host: host.name,
    ts: at.ts.toISOString(),
    threat,
    vitals,
    ports_public: [...base, ...risky],
    public_ports_count: base.length + risky.length,
    expected_public_ports: ["udp:68", "tcp:22", "tcp:80", "tcp:443"],
    ports_public_unexpected: risky,
    unexpected_public_ports_count: risky.length,
  });
  return doc;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
