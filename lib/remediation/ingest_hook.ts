/**
 * The ingest path's one call into remediation: a stored snapshot is handed to `afterSnapshot`
 * (verification and commit-confirm). Cheap when the host has no run waiting: one indexed query.
 *
 * @module
 */

import type { Host } from "../hosts/registry.ts";
import type { ParsedSnapshot } from "../ingest/types.ts";
import type { Services } from "../services.ts";
import type { Signal } from "../signals/types.ts";
import { afterSnapshot } from "./outcomes.ts";

/**
 * Tells remediation about a stored snapshot; returns the execute `jti`s it confirmed. A failure
 * here never fails the push (the snapshot is stored): it is logged, and the next snapshot or the
 * confirm deadline decides instead.
 *
 * @example
 * ```ts
 * await snapshotStoredForRemediation(services, host, snapshotId, parsed, signals, true);
 * ```
 */
export async function snapshotStoredForRemediation(
  services: Services,
  host: Pick<Host, "id" | "name" | "orgId">,
  snapshotId: string,
  parsed: ParsedSnapshot,
  signals: readonly Signal[],
  signed: boolean,
): Promise<string[]> {
  try {
    return await afterSnapshot(services, {
      orgId: host.orgId,
      hostId: host.id,
      snapshotId,
      ts: new Date(parsed.ts),
      signed,
      signals,
      input: {
        host: { id: host.id, name: host.name, orgId: host.orgId },
        snapshot: parsed.base,
        last: parsed.last,
        diff: parsed.diff,
        signals: [...signals],
        snapshotTs: parsed.ts,
      },
    });
  } catch (error) {
    services.log.error("remediation snapshot hook failed", { hostId: host.id, snapshotId, error });
    return [];
  }
}
