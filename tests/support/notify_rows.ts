/**
 * A notification endpoint row written straight to the ledger, for tests of what reads endpoints
 * and deliveries (no sealing, no validation: the API's own tests cover those).
 */
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import type { LedgerSchema } from "@/lib/db/ledger/schema.ts";
import type { Insertable } from "kysely";

/**
 * Inserts an enabled webhook endpoint `ne_1` named "Hook" of `orgId`, with `over` replacing any
 * column.
 *
 * @example
 * ```ts
 * await insertEndpointRow(ledger, org.id, T0, { name: "Pager", kind: "email" });
 * ```
 */
export async function insertEndpointRow(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  at: Date,
  over: Partial<Insertable<LedgerSchema["notify_endpoints"]>> = {},
): Promise<void> {
  await ledger.db.insertInto("notify_endpoints").values({
    id: "ne_1",
    org_id: orgId,
    name: "Hook",
    kind: "webhook",
    enabled: 1,
    url_sealed: null,
    url_display: "http://x",
    emails: null,
    secret_sealed: null,
    min_severity: "medium",
    event_types: "[]",
    created_by: null,
    created_at: at,
    updated_at: at,
    ...over,
  }).execute();
}
