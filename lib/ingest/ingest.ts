/**
 * The status push, end to end (agent-protocol §1.10): rate limit → bearer key →
 * body (capped) → parse and validate → signals → durable store → summary.
 * Nothing is written before the body has been validated.
 */
import { HttpError } from "../fresh/mod.ts";
import type { Services } from "../services.ts";
import { authenticateHostBearer } from "../hosts/keys.ts";
import { takeToken } from "./rate_limit.ts";
import { parseStatusPush } from "./parse.ts";
import { storeSnapshot } from "./store.ts";
import { snapshotSignals } from "../signals/normalize.ts";
import { computePosture } from "../signals/posture.ts";
import { heartbeatState } from "../signals/heartbeat.ts";
import { severityRank } from "../signals/types.ts";

/** Per agent-protocol §0.1: status POSTs per minute per host. */
export const STATUS_POSTS_PER_MINUTE = 240;
/** Per agent-protocol §1.9. */
export const MAX_STATUS_BYTES = 1_000_000;

export interface IngestRequest {
  hostId: string;
  authorization: string | null;
  ip: string;
  /** Reads the body; called only after authentication, so anonymous bytes are never buffered. */
  readBody: (maxBytes: number) => Promise<Uint8Array>;
}

/** 429 with `Retry-After`, as agent-protocol §0 specifies. */
function rateLimited(retryAfterS: number): HttpError {
  return new HttpError(429, `Too many status posts for this host; retry in ${retryAfterS} s.`, {
    code: "rate_limited",
    headers: { "retry-after": String(retryAfterS) },
    details: { retryAfterSeconds: retryAfterS },
  });
}

/**
 * Ingests one status push and answers with what was stored.
 *
 * @example
 * ```ts
 * const summary = await ingestStatus(services, { hostId, authorization, ip, readBody });
 * ```
 */
export async function ingestStatus(services: Services, req: IngestRequest) {
  const now = services.clock.now();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(req.hostId)) {
    throw new HttpError(401, "Unknown host or token.", { code: "invalid_token" });
  }
  const auth = await authenticateHostBearer(services.ledger, {
    hostId: req.hostId,
    authorization: req.authorization,
    requiredScope: "host.status.write",
    now,
    ip: req.ip,
  });
  // Per key, after authentication: a limit taken before it would let anyone who knows a host id
  // use up that host's budget and silence its real agent.
  const limit = await takeToken(services.kv, {
    bucket: `status:${auth.key.id}`,
    limit: STATUS_POSTS_PER_MINUTE,
    windowMs: 60_000,
    now,
  });
  if (!limit.ok) throw rateLimited(limit.retryAfterS);
  const bytes = await req.readBody(MAX_STATUS_BYTES);
  const { host } = auth;
  const parsed = await parseStatusPush(bytes, {
    receivedAt: now,
    host: { id: host.id, name: host.name, slug: host.slug, disabled: host.disabledAt !== null },
    maxBytes: MAX_STATUS_BYTES,
  });
  const signals = snapshotSignals(parsed);
  const stored = await storeSnapshot(services, { host, parsed, signals, now });
  const posture = computePosture(signals, heartbeatState(now, now));
  return {
    body: {
      ok: true as const,
      hostId: host.id,
      received: true,
      persisted: stored.persisted,
      deduped: stored.deduped,
      snapshotId: stored.snapshotId,
      ts: parsed.ts,
      warnings: parsed.warnings,
      ...parsed.counts,
      signals: [...signals]
        .sort((a, b) => severityRank(b.severity) - severityRank(a.severity))
        .map((s) => ({ code: s.code, severity: s.severity, title: s.title })),
      posture: { score: posture.score, band: posture.band, stage: posture.stage },
    },
    deprecatedUntil: auth.deprecatedUntil,
  };
}
