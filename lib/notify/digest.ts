/**
 * Digests: low and info events are stored per endpoint as `batched` deliveries, and one delayed
 * `notify.digest` message per endpoint and interval (the org's `digestIntervalMinutes`) turns
 * them into a single delivery listing them. A KV marker makes a burst of events schedule one
 * flush; the flush claims the batched rows with one conditional update (`batched → digested`,
 * tagged with the new digest's id), so a duplicated flush message finds nothing left to send.
 * The `notify-redrive` cron flushes batches whose message was lost ({@link overdueDigests}).
 *
 * @module
 */

import { enqueueInAtomic, newMessageId } from "../../jobs/queue.ts";
import { notifyDigestFlushKey } from "../db/kv.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import { toDate } from "../db/ledger/values.ts";
import type { Services } from "../services.ts";
import { type DeliveryPayload, newDeliveryId } from "./deliveries.ts";
import { getEndpoint } from "./endpoint_store.ts";
import { enqueueDeliver } from "./queue_messages.ts";
import type { DigestItem } from "./render.ts";
import { getNotifySettings } from "./settings.ts";
import type { NotifySeverity } from "./types.ts";

/** Most events listed in one digest message; the rest are counted. */
export const MAX_DIGEST_ITEMS = 100;

/** Slack after the interval before the redrive cron flushes a batch itself. */
const OVERDUE_GRACE_MS = 10 * 60_000;

interface FlushMarker {
  /** Epoch ms (service clock) when the scheduled flush runs. */
  at: number;
}

/**
 * Makes sure a flush of the endpoint's batch is scheduled `intervalMinutes` from now (one
 * delayed `notify.digest` message per endpoint at a time).
 *
 * @example
 * ```ts
 * await scheduleDigestFlush(services, org.id, endpoint.id, settings.digestIntervalMinutes);
 * ```
 */
export async function scheduleDigestFlush(
  services: Pick<Services, "kv" | "clock">,
  orgId: string,
  endpointId: string,
  intervalMinutes: number,
): Promise<void> {
  const key = notifyDigestFlushKey(endpointId);
  const now = services.clock.now().getTime();
  const intervalMs = intervalMinutes * 60_000;
  const current = await services.kv.get<FlushMarker>(key);
  if (current.value && current.value.at + OVERDUE_GRACE_MS > now) return;
  const op = services.kv.atomic().check(current)
    .set(key, { at: now + intervalMs } satisfies FlushMarker, {
      expireIn: intervalMs + OVERDUE_GRACE_MS,
    });
  enqueueInAtomic(op, {
    type: "notify.digest",
    id: `notify.digest:${endpointId}:${newMessageId()}`,
    orgId,
    endpointId,
  }, { delay: intervalMs });
  // A failed check: another event scheduled the flush concurrently.
  await op.commit();
}

function digestSeverity(items: { severity: string }[]): NotifySeverity {
  return items.some((i) => i.severity === "low") ? "low" : "info";
}

/**
 * Sends the endpoint's batched events as one digest delivery; returns its id, or null when
 * nothing was batched (or the endpoint is gone; a disabled endpoint's batch is suppressed).
 *
 * @example
 * ```ts
 * const digestId = await flushDigest(services, message.orgId, message.endpointId);
 * ```
 */
export async function flushDigest(
  services: Pick<Services, "kv" | "ledger" | "clock" | "log">,
  orgId: string,
  endpointId: string,
): Promise<string | null> {
  await services.kv.delete(notifyDigestFlushKey(endpointId));
  const endpoint = await getEndpoint(services.ledger, orgId, endpointId);
  if (!endpoint) return null;
  const now = services.clock.now();
  const digestId = newDeliveryId(now);
  const created = await writeTransaction(services.ledger, async (tx) => {
    const batched = tx.db.updateTable("notify_deliveries")
      .where("org_id", "=", orgId).where("endpoint_id", "=", endpointId)
      .where("status", "=", "batched");
    if (!endpoint.enabled) {
      await batched.set({ status: "suppressed", reason: "endpoint_disabled", updated_at: now })
        .execute();
      return false;
    }
    const claimed = await batched.set({ status: "digested", digest_id: digestId, updated_at: now })
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return false;
    const rows = await tx.db.selectFrom("notify_deliveries")
      .select(["id", "event_type", "severity", "title", "payload", "created_at"])
      .where("digest_id", "=", digestId).orderBy("id").execute();
    const items: DigestItem[] = rows.slice(0, MAX_DIGEST_ITEMS).map((r) => {
      const payload = JSON.parse(r.payload) as DeliveryPayload;
      return {
        deliveryId: r.id,
        type: r.event_type,
        severity: r.severity as NotifySeverity,
        title: r.title,
        summary: payload.summary,
        ...(payload.url ? { url: payload.url } : {}),
        at: toDate(r.created_at).toISOString(),
      };
    });
    const more = rows.length - items.length;
    const payload: DeliveryPayload = {
      summary: `${rows.length} low-severity event${rows.length === 1 ? "" : "s"} since ` +
        `${items[0]?.at ?? now.toISOString()}${more > 0 ? ` (${more} not listed)` : ""}.`,
      items,
    };
    await tx.db.insertInto("notify_deliveries").values({
      id: digestId,
      org_id: orgId,
      endpoint_id: endpointId,
      kind: endpoint.kind,
      recipient: null,
      event_type: "digest",
      severity: digestSeverity(rows),
      title: `Digest: ${rows.length} low-severity event${rows.length === 1 ? "" : "s"}`,
      dedupe_key: null,
      payload: JSON.stringify(payload),
      status: "queued",
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
    }).execute();
    return true;
  });
  if (!created) return null;
  services.log.info("notification digest created", { orgId, endpointId, deliveryId: digestId });
  await enqueueDeliver(services, digestId, 1);
  return digestId;
}

/**
 * Endpoints whose batch waited longer than the org's digest interval plus a grace period (the
 * flush message was lost), for the redrive cron.
 *
 * @example
 * ```ts
 * for (const d of await overdueDigests(services)) await flushDigest(services, d.orgId, d.endpointId);
 * ```
 */
export async function overdueDigests(
  services: Pick<Services, "ledger" | "clock">,
): Promise<{ orgId: string; endpointId: string }[]> {
  const rows = await services.ledger.db.selectFrom("notify_deliveries")
    .select((eb) => ["org_id", "endpoint_id", eb.fn.min("created_at").as("oldest")])
    .where("status", "=", "batched").where("endpoint_id", "is not", null)
    .groupBy(["org_id", "endpoint_id"]).limit(500).execute();
  const now = services.clock.now().getTime();
  const out: { orgId: string; endpointId: string }[] = [];
  // An org with several batching endpoints: its interval is read once, not once per endpoint.
  const intervalMs = new Map<string, number>();
  for (const r of rows) {
    let interval = intervalMs.get(r.org_id);
    if (interval === undefined) {
      interval = (await getNotifySettings(services.ledger, r.org_id)).digestIntervalMinutes *
        60_000;
      intervalMs.set(r.org_id, interval);
    }
    const oldest = toDate(r.oldest as Date | string).getTime();
    if (oldest + interval + OVERDUE_GRACE_MS <= now) {
      out.push({ orgId: r.org_id, endpointId: r.endpoint_id! });
    }
  }
  return out;
}
