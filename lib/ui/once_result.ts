/**
 * What an intent of a page shows once after its redirect (Post/Redirect/Get): a new or rotated
 * webhook signing secret, a test's outcomes. The POST stores it in Deno KV under a random id
 * bound to the organization, the operator who acted and the page's subject (`scope`: a host or
 * endpoint id), sealed with the app secret (a token never sits in KV in clear), for
 * {@link ONCE_TTL_MS} at most, and
 * redirects to `<page>?<kind>=<id>`; the GET takes it (read and deleted atomically), so a
 * refresh, a second tab or another operator with the same URL sees nothing — and a refresh never
 * repeats the action.
 *
 * @module
 */
import type { Services } from "../services.ts";
import type { TestOutcome } from "../notify/test_send.ts";
import type { Onboarding } from "../hosts/onboarding.ts";
import type { AuthState } from "../auth/state.ts";
import { openString, sealString } from "../auth/keys.ts";
import { appSecretOf } from "../auth/secret.ts";

/** How long a one-time result waits for its GET. */
export const ONCE_TTL_MS = 5 * 60_000;

/** The query parameter naming each kind of one-time result. */
export type OnceKind = "created" | "rotated" | "tested" | "token" | "onboarding" | "recovery";

/** A test outcome as the page shows it after the redirect (no delivery internals). */
export type ShownTest = Pick<
  TestOutcome,
  "endpointId" | "name" | "status" | "code" | "latencyMs" | "error"
>;

/** The one-time result of each kind. */
export interface OnceValues {
  created: { secret: string };
  rotated: { secret: string };
  /** A host API key's token, created or rotated on the host page. */
  token: { token: string; prefix: string; rotated: boolean };
  /** A new host's onboarding material (its first key's token inside). */
  onboarding: { name: string; id: string; onboarding: Onboarding };
  tested: { results: ShownTest[]; more: number };
  /** New recovery codes (two-step verification turned on, or codes made anew) on the account page. */
  recovery: { codes: string[] };
}

/**
 * Who may take the result, and where: the operator who acted, in the organization they acted in,
 * on the page of the thing they acted on (`scope`), so a link edited to another host's page shows
 * nothing.
 */
export interface OnceOwner {
  orgId: string;
  userId: string;
  scope: string;
}

/**
 * The operator and organization of a request, on the page of `scope`, as the owner of what it
 * stores.
 *
 * @example
 * ```ts
 * await putOnce(services, onceOwner(authOf(ctx), host.id), "token", token);
 * ```
 */
export function onceOwner(auth: AuthState, scope: string): OnceOwner {
  return { orgId: auth.org!.id, userId: auth.user.id, scope };
}

/** Test outcomes kept for the page, so one entry stays well under KV's 64 KiB value limit. */
const MAX_SHOWN_TESTS = 100;

const ID = /^[A-Za-z0-9_-]{22,64}$/;

const onceKey = (kind: OnceKind, owner: OnceOwner, id: string): Deno.KvKey => [
  "page_once",
  kind,
  owner.orgId,
  owner.userId,
  owner.scope,
  id,
];

/** The sealing purpose (a key of its own per kind). */
const purposeOf = (kind: OnceKind) => `page-once:${kind}`;

interface Stored {
  /** `sealString` of the value's JSON. */
  sealed: string;
  /** Epoch ms on the service clock; KV's `expireIn` only collects the entry. */
  expiresAt: number;
}

/**
 * Test outcomes trimmed for the page: at most {@link MAX_SHOWN_TESTS}, errors shortened.
 *
 * @example
 * ```ts
 * const id = await putOnce(services, owner, "tested", shownTests(results));
 * ```
 */
export function shownTests(results: TestOutcome[]): OnceValues["tested"] {
  return {
    results: results.slice(0, MAX_SHOWN_TESTS).map((r) => ({
      endpointId: r.endpointId,
      name: r.name.slice(0, 120),
      status: r.status,
      code: r.code,
      latencyMs: r.latencyMs,
      error: r.error === null ? null : r.error.slice(0, 240),
    })),
    more: Math.max(0, results.length - MAX_SHOWN_TESTS),
  };
}

/**
 * Stores `value` for one GET by `owner`; returns the random id to redirect with.
 *
 * @example
 * ```ts
 * const id = await putOnce(services, onceOwner(auth, "notifications"), "created", { secret });
 * return seeOther(ctx, `/notifications?created=${id}`);
 * ```
 */
export async function putOnce<K extends OnceKind>(
  services: Pick<Services, "kv" | "clock" | "config">,
  owner: OnceOwner,
  kind: K,
  value: OnceValues[K],
): Promise<string> {
  const id = crypto.getRandomValues(new Uint8Array(18)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
  const sealed = await sealString(
    appSecretOf(services.config),
    purposeOf(kind),
    JSON.stringify(value),
  );
  const stored: Stored = { sealed, expiresAt: services.clock.now().getTime() + ONCE_TTL_MS };
  await services.kv.set(onceKey(kind, owner, id), stored, { expireIn: ONCE_TTL_MS });
  return id;
}

/**
 * Takes the value stored under `id` by `owner`: read and deleted in one atomic step, so it is
 * returned once. Undefined for a missing, malformed, expired, taken or someone else's id.
 *
 * @example
 * ```ts
 * const created = await takeOnce(services, owner, "created", ctx.url.searchParams.get("created"));
 * ```
 */
export async function takeOnce<K extends OnceKind>(
  services: Pick<Services, "kv" | "clock" | "config">,
  owner: OnceOwner,
  kind: K,
  id: string | null,
): Promise<OnceValues[K] | undefined> {
  if (id === null || !ID.test(id)) return undefined;
  const entry = await services.kv.get<Stored>(onceKey(kind, owner, id));
  if (entry.versionstamp === null) return undefined;
  const taken = await services.kv.atomic().check(entry).delete(entry.key).commit();
  if (!taken.ok) return undefined;
  if (entry.value.expiresAt <= services.clock.now().getTime()) return undefined;
  try {
    const json = await openString(
      appSecretOf(services.config),
      purposeOf(kind),
      entry.value.sealed,
    );
    return JSON.parse(json) as OnceValues[K];
  } catch {
    return undefined; // sealed under another APP_SECRET (rotated meanwhile): gone, like expired
  }
}
