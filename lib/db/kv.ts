/**
 * Opening Deno KV, and the key helpers: every KV key is a tuple, collection first, built only by
 * a named function here (never a concatenated string), so `list({ prefix })` works per
 * collection and ids cannot inject delimiters. Key types at one position never mix.
 *
 * @module
 */

import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { AppConfig } from "../config.ts";

/** KV settings from {@link AppConfig}. */
export type KvConfig = Pick<AppConfig, "denoKvUrl" | "denoKvPath" | "denoKvAccessToken">;

/**
 * Opens Deno KV: the KV Connect backend at `DENO_KV_URL` when set (several app instances share
 * it; Deno reads the token from the `DENO_KV_ACCESS_TOKEN` environment variable itself), else the
 * local SQLite-backed store at `DENO_KV_PATH` (its directory is created; `:memory:` for tests).
 *
 * A local KV file belongs to one process: a second process on the same file may fail with
 * "database is locked".
 *
 * @example
 * ```ts
 * const kv = await openKv(config);
 * try {
 *   await kv.set(schedulerHeartbeatKey(), { at: new Date().toISOString() });
 * } finally {
 *   kv.close();
 * }
 * ```
 */
export async function openKv(config: KvConfig): Promise<Deno.Kv> {
  if (config.denoKvUrl) {
    if (
      config.denoKvAccessToken !== undefined &&
      Deno.env.get("DENO_KV_ACCESS_TOKEN") !== config.denoKvAccessToken
    ) {
      // The config may come from a passed env object; Deno only looks at the process env.
      Deno.env.set("DENO_KV_ACCESS_TOKEN", config.denoKvAccessToken);
    }
    return await Deno.openKv(config.denoKvUrl);
  }
  if (config.denoKvPath !== ":memory:") {
    await mkdir(dirname(config.denoKvPath), { recursive: true });
  }
  return await Deno.openKv(config.denoKvPath);
}

/** The value stored under {@link schedulerHeartbeatKey}. */
export interface SchedulerHeartbeat {
  /** When the scheduler last ran, ISO 8601. */
  at: string;
  /** Process id of the instance that ran it, when known. */
  pid?: number;
}

/** The value stored under {@link schedulerQueuePingKey}. */
export interface SchedulerQueuePing {
  /** Id of the `scheduler.ping` queue message. */
  id: string;
  /** When it was enqueued, ISO 8601. */
  sentAt: string;
  /** When the consumer handled it, ISO 8601. */
  receivedAt: string;
}

/**
 * The key of the latest scheduler heartbeat ({@link SchedulerHeartbeat}).
 *
 * @example
 * ```ts
 * schedulerHeartbeatKey(); // ["scheduler", "heartbeat"]
 * ```
 */
export function schedulerHeartbeatKey(): Deno.KvKey {
  return ["scheduler", "heartbeat"];
}

/**
 * The key of the latest `scheduler.ping` queue message handled ({@link SchedulerQueuePing}):
 * proof that enqueue → listenQueue works end to end.
 *
 * @example
 * ```ts
 * schedulerQueuePingKey(); // ["scheduler", "queue_ping"]
 * ```
 */
export function schedulerQueuePingKey(): Deno.KvKey {
  return ["scheduler", "queue_ping"];
}

/**
 * The marker saying a queue message was processed (set with `expireIn`, checked before a
 * handler runs), so a second delivery of the same message does nothing.
 *
 * @example
 * ```ts
 * queueProcessedKey("01JDX3S7Q4M0C5V2YH7R8K9ZTA"); // ["queue_processed", "01JDX3S7Q4M0C5V2YH7R8K9ZTA"]
 * ```
 */
export function queueProcessedKey(messageId: string): Deno.KvKey {
  return ["queue_processed", messageId];
}

/**
 * Where a queue message lands when every delivery attempt failed (`keysIfUndelivered`).
 * List them with `kv.list({ prefix: deadLetterPrefix() })`.
 *
 * @example
 * ```ts
 * deadLetterKey("01JDX3S7Q4M0C5V2YH7R8K9ZTA"); // ["queue_dead_letters", "01JDX3S7Q4M0C5V2YH7R8K9ZTA"]
 * ```
 */
export function deadLetterKey(messageId: string): Deno.KvKey {
  return [...deadLetterPrefix(), messageId];
}

/**
 * The prefix of every {@link deadLetterKey}.
 *
 * @example
 * ```ts
 * for await (const entry of kv.list({ prefix: deadLetterPrefix() })) console.log(entry.value);
 * ```
 */
export function deadLetterPrefix(): Deno.KvKey {
  return ["queue_dead_letters"];
}

// ---------------------------------------------------------------------------------------------
// Authentication (lib/auth/sessions.ts, throttle.ts, tokens.ts)
// ---------------------------------------------------------------------------------------------

/**
 * The record of one sign-in session (`Session` in `lib/auth/sessions.ts`). Session ids are
 * ULIDs, so a listing is chronological.
 *
 * @example
 * ```ts
 * sessionKey("01JDX3S7Q4M0C5V2YH7R8K9ZTA"); // ["sessions", "01JDX3S7Q4M0C5V2YH7R8K9ZTA"]
 * ```
 */
export function sessionKey(sessionId: string): Deno.KvKey {
  return ["sessions", sessionId];
}

/**
 * Index of a user's sessions: the value is the session id (a pointer to {@link sessionKey}).
 *
 * @example
 * ```ts
 * sessionsByUserKey("u1", "01JDX3S7Q4M0C5V2YH7R8K9ZTA"); // ["sessions_by_user", "u1", "01JDX…"]
 * ```
 */
export function sessionsByUserKey(userId: string, sessionId: string): Deno.KvKey {
  return [...sessionsByUserPrefix(userId), sessionId];
}

/**
 * The prefix of every {@link sessionsByUserKey} of one user.
 *
 * @example
 * ```ts
 * kv.list<string>({ prefix: sessionsByUserPrefix("u1") }, { reverse: true }); // newest first
 * ```
 */
export function sessionsByUserPrefix(userId: string): Deno.KvKey {
  return ["sessions_by_user", userId];
}

/**
 * Sign-in failure counter of one account (by SHA-256 hex of the normalized e-mail, so unknown
 * e-mails are counted like known ones) or one client address.
 *
 * @example
 * ```ts
 * signInThrottleKey("account", "9f86d0…"); // ["signin_throttle", "account", "9f86d0…"]
 * signInThrottleKey("ip", "203.0.113.7");  // ["signin_throttle", "ip", "203.0.113.7"]
 * ```
 */
export function signInThrottleKey(scope: "account" | "ip", id: string): Deno.KvKey {
  return ["signin_throttle", scope, id];
}

/**
 * A single-use token (magic link, password reset) by purpose and SHA-256 hex of the token;
 * the token itself is never stored.
 *
 * @example
 * ```ts
 * authTokenKey("magic_link", "2c26b4…"); // ["auth_tokens", "magic_link", "2c26b4…"]
 * ```
 */
export function authTokenKey(purpose: string, tokenHash: string): Deno.KvKey {
  return ["auth_tokens", purpose, tokenHash];
}

/**
 * The short-lived tombstone of a consumed {@link authTokenKey}, so a second use answers "used"
 * rather than "unknown".
 *
 * @example
 * ```ts
 * usedAuthTokenKey("magic_link", "2c26b4…"); // ["auth_tokens_used", "magic_link", "2c26b4…"]
 * ```
 */
export function usedAuthTokenKey(purpose: string, tokenHash: string): Deno.KvKey {
  return ["auth_tokens_used", purpose, tokenHash];
}

// ---------------------------------------------------------------------------------------------
// Hosts and ingest (lib/ingest/store.ts, rate_limit.ts)
// ---------------------------------------------------------------------------------------------

/**
 * The latest normalized state of one host (`HostState` in `lib/ingest/store.ts`): the snapshot
 * with the highest collection time, written after the ledger commit.
 *
 * @example
 * ```ts
 * hostStateKey("01JDX…", "h_01JDX…"); // ["host_state", "01JDX…", "h_01JDX…"]
 * ```
 */
export function hostStateKey(orgId: string, hostId: string): Deno.KvKey {
  return [...hostStatePrefix(orgId), hostId];
}

/**
 * The prefix of every {@link hostStateKey} of one organization (the fleet's latest states).
 *
 * @example
 * ```ts
 * for await (const e of kv.list({ prefix: hostStatePrefix(orgId) })) console.log(e.key[2]);
 * ```
 */
export function hostStatePrefix(orgId: string): Deno.KvKey {
  return ["host_state", orgId];
}

/**
 * The last heartbeat state the sweeper recorded for a host (`HeartbeatRecord` in
 * `jobs/heartbeat_sweep.ts`), so each transition raises its signal once.
 *
 * @example
 * ```ts
 * hostHeartbeatKey("o_1", "h_1"); // ["host_heartbeat", "o_1", "h_1"]
 * ```
 */
export function hostHeartbeatKey(orgId: string, hostId: string): Deno.KvKey {
  return [...hostHeartbeatPrefix(orgId), hostId];
}

/**
 * Every heartbeat record of an organization (the sweep reads them in one range scan).
 *
 * @example
 * ```ts
 * for await (const e of kv.list({ prefix: hostHeartbeatPrefix(orgId) })) console.log(e.key[2]);
 * ```
 */
export function hostHeartbeatPrefix(orgId: string): Deno.KvKey {
  return ["host_heartbeat", orgId];
}

/**
 * The request counter of one rate-limit bucket (e.g. `status:<keyId>`) in the fixed window that
 * starts at `windowStartMs` (a `Deno.KvU64`, expiring after the window).
 *
 * @example
 * ```ts
 * rateLimitKey("status:01JDX…", 1795600800000); // ["rate_limit", "status:01JDX…", 1795600800000]
 * ```
 */
export function rateLimitKey(bucket: string, windowStartMs: number): Deno.KvKey {
  return ["rate_limit", bucket, windowStartMs];
}

/**
 * A runner request nonce seen for one key (agent-protocol §2.4 check 10): set only if absent,
 * expiring after 10 minutes, so a replay within the clock-skew window is refused.
 *
 * @example
 * ```ts
 * agentNonceKey("01JDX…", "ppxTLtbE-…", "AAECAwQF…"); // ["agent_nonces", "01JDX…", "ppxTLtbE-…", "AAECAwQF…"]
 * ```
 */
export function agentNonceKey(orgId: string, keyId: string, nonce: string): Deno.KvKey {
  return ["agent_nonces", orgId, keyId, nonce];
}

/**
 * Bumped whenever a host's deliverable jobs or confirmations change (a job created, a rollback
 * released, a job cancelled or confirmed), so a long poll of `GET /api/agent/jobs` waiting in
 * `kv.watch` wakes up (agent-protocol §3.1).
 *
 * @example
 * ```ts
 * agentJobsChangedKey("o_1", "h_1"); // ["agent_jobs_changed", "o_1", "h_1"]
 * ```
 */
export function agentJobsChangedKey(orgId: string, hostId: string): Deno.KvKey {
  return ["agent_jobs_changed", orgId, hostId];
}

/**
 * The dedupe marker of one notification (`lib/notify/notify.ts`): by organization and SHA-256
 * hex of the dedupe key; the value holds when the window ends.
 *
 * @example
 * ```ts
 * notifyDedupeKey("o_1", "9f86d0…"); // ["notify_dedupe", "o_1", "9f86d0…"]
 * ```
 */
export function notifyDedupeKey(orgId: string, keyHash: string): Deno.KvKey {
  return ["notify_dedupe", orgId, keyHash];
}

/**
 * Set while a digest flush of one endpoint is scheduled (`lib/notify/digest.ts`), so a burst of
 * low-severity events schedules one flush message, not one each.
 *
 * @example
 * ```ts
 * notifyDigestFlushKey("ne_01JDX…"); // ["notify_digest_flush", "ne_01JDX…"]
 * ```
 */
export function notifyDigestFlushKey(endpointId: string): Deno.KvKey {
  return ["notify_digest_flush", endpointId];
}

// ---------------------------------------------------------------------------------------------
// Live updates (lib/live/changes.ts): per-organization change log read by the SSE streams
// ---------------------------------------------------------------------------------------------

/**
 * The head of an organization's change log (`{ seq, at }`): the newest event id, bumped with
 * every batch of events, so an organization stream waits on it with `kv.watch`.
 *
 * @example
 * ```ts
 * liveHeadKey("o_1"); // ["live_head", "o_1"]
 * ```
 */
export function liveHeadKey(orgId: string): Deno.KvKey {
  return ["live_head", orgId];
}

/**
 * One event of an organization's change log, by its sequence number (`ChangeEntry`), kept for a
 * bounded number of events and time. List them with {@link liveLogPrefix}.
 *
 * @example
 * ```ts
 * liveLogKey("o_1", 42); // ["live_log", "o_1", 42]
 * ```
 */
export function liveLogKey(orgId: string, seq: number): Deno.KvKey {
  return [...liveLogPrefix(orgId), seq];
}

/**
 * The prefix of every {@link liveLogKey} of one organization.
 *
 * @example
 * ```ts
 * kv.list({ start: liveLogKey("o_1", 43), end: [...liveLogPrefix("o_1"), Infinity] });
 * ```
 */
export function liveLogPrefix(orgId: string): Deno.KvKey {
  return ["live_log", orgId];
}

/**
 * The newest event id that concerned one host (`{ seq }`), so a host stream waits on it with
 * `kv.watch` instead of waking for every event of the organization.
 *
 * @example
 * ```ts
 * liveHostKey("o_1", "h_1"); // ["live_host", "o_1", "h_1"]
 * ```
 */
export function liveHostKey(orgId: string, hostId: string): Deno.KvKey {
  return ["live_host", orgId, hostId];
}

/**
 * The same event as {@link liveLogKey}, indexed by host, for host streams.
 *
 * @example
 * ```ts
 * liveHostLogKey("o_1", "h_1", 42); // ["live_host_log", "o_1", "h_1", 42]
 * ```
 */
export function liveHostLogKey(orgId: string, hostId: string, seq: number): Deno.KvKey {
  return [...liveHostLogPrefix(orgId, hostId), seq];
}

/**
 * The prefix of every {@link liveHostLogKey} of one host.
 *
 * @example
 * ```ts
 * kv.list({ prefix: liveHostLogPrefix("o_1", "h_1") });
 * ```
 */
export function liveHostLogPrefix(orgId: string, hostId: string): Deno.KvKey {
  return ["live_host_log", orgId, hostId];
}
