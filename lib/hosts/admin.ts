/**
 * Host administration as operators do it: create (with its first key and the
 * onboarding material, shown once), edit, delete after a typed confirmation,
 * and key actions. Every change is audited in the organization's chain.
 */
import { z } from "zod";
import { HttpError } from "../fresh/mod.ts";
import type { Services } from "../services.ts";
import type { AuthState } from "../auth/state.ts";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import { noteHost } from "../live/notes.ts";
import { validate } from "../http/input.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import {
  createHost,
  deleteHost,
  getHost,
  type IngestMode,
  setHostDisabled,
  setIngestMode,
  updateHost,
  validateHostInput,
} from "./registry.ts";
import { createHostKey, revokeHostKey, rotateHostKey } from "./keys.ts";
import { runnerInstallCommand } from "./enroll.ts";
import type { Host } from "./host.ts";
import type { HostKey } from "./host_key.ts";
import { type Onboarding, onboardingFor } from "./onboarding.ts";
import { getActiveJobSigningKey } from "../remediation/job_keys.ts";
import { deleteHostState, latestHostState } from "../ingest/store.ts";
import { hostHeartbeat } from "./host_heartbeat.ts";
import { postureOfItems } from "./summary_posture.ts";
import { jobChannelState } from "./job_channel_state.ts";

/** A host of the active organization, or 404 (another organization's id reveals nothing). */
export async function hostOr404(services: Services, orgId: string, hostId: string): Promise<Host> {
  const host = await getHost(services.ledger, orgId, hostId);
  if (!host) throw new HttpError(404, "No such host.", { code: "not_found" });
  return host;
}

/**
 * Creates a host with its first API key (for the vps-sentry agent) and a single-use enrollment
 * token for the host runner (agent-protocol §4.6, default 24 h); both tokens appear only in
 * this answer, in `onboarding`. Audited as `host.create`, naming both keys.
 *
 * @example
 * ```ts
 * const { host, onboarding } = await createHostWithKey(services, auth, { name: "web 1" }, client);
 * onboarding.pushCommand; onboarding.runner?.command;
 * ```
 */
export async function createHostWithKey(
  services: Services,
  auth: AuthState,
  input: unknown,
  client: ClientInfo,
): Promise<{ host: Host; key: HostKey; onboarding: Onboarding }> {
  const { org } = actingOperator(auth);
  const now = services.clock.now();
  const { host, key, token, enroll } = await writeTransaction(services.ledger, async (tx) => {
    const host = await createHost(tx, org.id, input, { now });
    const { key, token } = await createHostKey(tx, {
      orgId: org.id,
      hostId: host.id,
      label: "agent",
      now,
    });
    const enroll = await createHostKey(tx, {
      orgId: org.id,
      hostId: host.id,
      kind: "enroll",
      label: "runner enrollment",
      now,
    });
    return { host, key, token, enroll };
  });
  await auditOperatorChange(services, client, auth, {
    action: "host.create",
    summary: `host ${host.name} (${host.slug}) created with key ${key.prefix} and runner ` +
      `enrollment token ${enroll.key.prefix}`,
    target: { type: "host", id: host.id },
    details: {
      slug: host.slug,
      group: host.group,
      tags: host.tags,
      keyId: key.id,
      enrollmentKeyId: enroll.key.id,
      enrollmentExpiresAt: enroll.key.expiresAt?.toISOString() ?? null,
    },
  });
  await noteHost(services, host, "created");
  return {
    host,
    key,
    onboarding: onboardingFor({
      appUrl: services.config.appUrl,
      hostId: host.id,
      token,
      runner: {
        token: enroll.token,
        expiresAt: enroll.key.expiresAt!,
        baseUrl: services.config.publicOrigin,
        // Pinned out of band: a runner refuses an enrollment answer naming another job key.
        jobKeyId: (await getActiveJobSigningKey(services)).kid,
      },
    }),
  };
}

const INGEST_MODES: readonly IngestMode[] = ["bearer", "signed"];

/**
 * Edits a host's name, group, tags, scopes, rollout priority or paused flag (audited as
 * `host.update`), its `ingestMode` (`bearer` | `signed`, audited as `host.ingest_mode.change`)
 * and `disabled` (audited as `host.disable` / `host.enable`). The whole patch is validated
 * before anything changes; a 400 names the field.
 *
 * @example
 * ```ts
 * await editHost(services, auth, hostId, { group: "eu", disabled: true, ingestMode: "signed" }, client);
 * ```
 */
export async function editHost(
  services: Services,
  auth: AuthState,
  hostId: string,
  patch: unknown,
  client: ClientInfo,
): Promise<Host> {
  const { org } = actingOperator(auth);
  const { ingestMode, disabled, ...rest } = (patch ?? {}) as Record<string, unknown>;
  if (ingestMode !== undefined && !INGEST_MODES.includes(ingestMode as IngestMode)) {
    throw new HttpError(
      400,
      `ingestMode: expected "bearer" or "signed", got ${JSON.stringify(ingestMode)}`,
      { code: "invalid_input", details: { field: "ingestMode" } },
    );
  }
  if (disabled !== undefined && typeof disabled !== "boolean") {
    throw new HttpError(400, `disabled: expected true or false, got ${JSON.stringify(disabled)}`, {
      code: "invalid_input",
      details: { field: "disabled" },
    });
  }
  const registryEdit = Object.keys(rest).length > 0 ||
    (ingestMode === undefined && disabled === undefined);
  if (registryEdit) validateHostInput(rest, { partial: true });
  let host: Host | undefined;
  if (registryEdit) {
    host = await updateHost(services.ledger, org.id, hostId, rest);
    await auditOperatorChange(services, client, auth, {
      action: "host.update",
      summary: `host ${host.slug} updated`,
      target: { type: "host", id: hostId },
      details: { patch: rest },
    });
  }
  // `ingestMode` is its own audited change (agent-protocol §2.9).
  if (ingestMode !== undefined) {
    const changed = await setIngestMode(services.ledger, org.id, hostId, ingestMode as IngestMode);
    host = changed.host;
    if (changed.previous !== changed.host.ingestMode) {
      await auditOperatorChange(services, client, auth, {
        action: "host.ingest_mode.change",
        summary:
          `host ${changed.host.slug} ingest mode ${changed.previous} → ${changed.host.ingestMode}`,
        target: { type: "host", id: hostId },
        details: { from: changed.previous, to: changed.host.ingestMode },
      });
    }
  }
  if (disabled !== undefined) {
    const before = await getHost(services.ledger, org.id, hostId);
    // A host of another organization is a 404 from the registry.
    host = await setHostDisabled(services.ledger, org.id, hostId, disabled, services.clock.now());
    if (before !== null && (before.disabledAt !== null) !== disabled) {
      await auditOperatorChange(services, client, auth, {
        action: disabled ? "host.disable" : "host.enable",
        summary: `host ${host.slug} ${disabled ? "disabled" : "enabled"}`,
        target: { type: "host", id: hostId },
        details: { disabledAt: host.disabledAt?.toISOString() ?? null },
      });
    }
  }
  await noteHost(services, host!, "edited");
  return host!;
}

const DeleteInput = z.strictObject({ confirm: z.string().max(80) });

/** Deletes a host with its keys, snapshots and signals, after the operator typed its slug. */
export async function deleteHostConfirmed(
  services: Services,
  auth: AuthState,
  hostId: string,
  body: unknown,
  client: ClientInfo,
) {
  const { org } = actingOperator(auth);
  const host = await hostOr404(services, org.id, hostId);
  const { confirm } = validate(DeleteInput, body);
  if (confirm !== host.slug) {
    throw new HttpError(
      400,
      `confirm: type the host's slug (${host.slug}) to delete it and all its data`,
      {
        code: "confirmation_mismatch",
        details: { field: "confirm" },
      },
    );
  }
  const deleted = await deleteHost(services.ledger, org.id, hostId);
  await deleteHostState(services.kv, org.id, hostId);
  await auditOperatorChange(services, client, auth, {
    action: "host.delete",
    summary:
      `host ${host.slug} deleted with ${deleted.snapshots} snapshots and ${deleted.signals} signals`,
    target: { type: "host", id: hostId },
    details: { keys: deleted.keys, snapshots: deleted.snapshots, signals: deleted.signals },
  });
  await noteHost(services, host, "deleted");
  return deleted;
}

const KeyAction = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("create"),
    scopes: z.array(z.string().max(40)).max(10).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    label: z.string().max(80).optional(),
  }),
  z.strictObject({
    action: z.literal("rotate"),
    sourceKeyId: z.string().max(64).optional(),
    scopes: z.array(z.string().max(40)).max(10).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    label: z.string().max(80).optional(),
    reason: z.string().max(200).optional(),
    graceSeconds: z.int().min(0).max(604_800).optional(),
  }),
  z.strictObject({
    action: z.literal("revoke"),
    keyId: z.string().min(1).max(64),
    reason: z.string().max(200).optional(),
  }),
  z.strictObject({
    action: z.literal("create-enrollment"),
    scopes: z.array(z.string().max(40)).max(10).optional(),
    expiresInSec: z.int().min(300).max(604_800).optional(),
    label: z.string().max(80).optional(),
  }),
], "action: expected create, rotate, revoke or create-enrollment");

/** Runs a key action (create / rotate / revoke) on a host of the active organization. */
export async function hostKeyAction(
  services: Services,
  auth: AuthState,
  hostId: string,
  body: unknown,
  client: ClientInfo,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { org } = actingOperator(auth);
  const host = await hostOr404(services, org.id, hostId);
  const input = validate(KeyAction, body);
  const now = services.clock.now();
  const expiresAt = "expiresAt" in input && input.expiresAt ? new Date(input.expiresAt) : undefined;
  if (input.action === "create-enrollment") {
    // agent-protocol §4.6: single-use, default 24 h; its scopes are the runner key's template.
    const { key, token } = await createHostKey(services.ledger, {
      orgId: org.id,
      hostId,
      kind: "enroll",
      scopes: input.scopes,
      expiresAt: new Date(now.getTime() + (input.expiresInSec ?? 86_400) * 1000),
      label: input.label ?? "runner enrollment",
      now,
    });
    await auditOperatorChange(services, client, auth, {
      action: "host.key.enroll",
      summary: `enrollment token ${key.prefix} for ${host.slug}`,
      target: { type: "host", id: hostId },
      details: { keyId: key.id, scopes: key.scopes, expiresAt: key.expiresAt?.toISOString() },
    });
    const baseUrl = services.config.publicOrigin;
    return {
      status: 201,
      body: {
        key,
        secret: { token },
        install: { baseUrl, hostId, command: runnerInstallCommand({ baseUrl, hostId, token }) },
      },
    };
  }
  if (input.action === "create") {
    const { key, token } = await createHostKey(services.ledger, {
      orgId: org.id,
      hostId,
      scopes: input.scopes,
      expiresAt,
      label: input.label,
      now,
    });
    await auditOperatorChange(services, client, auth, {
      action: "host.key.create",
      summary: `key ${key.prefix} for ${host.slug}`,
      target: { type: "host", id: hostId },
      details: { keyId: key.id, scopes: key.scopes },
    });
    return { status: 201, body: { key, secret: { token } } };
  }
  if (input.action === "rotate") {
    const rotated = await rotateHostKey(services.ledger, {
      orgId: org.id,
      hostId,
      ...input,
      expiresAt,
      now,
    });
    await auditOperatorChange(services, client, auth, {
      action: "host.key.rotate",
      summary: `key of ${host.slug} rotated to ${rotated.key.prefix} (grace ${
        input.graceSeconds ?? 0
      } s)`,
      target: { type: "host", id: hostId },
      details: { keyId: rotated.key.id, graceSeconds: input.graceSeconds ?? 0 },
    });
    return {
      status: 201,
      body: { ...rotated, secret: { token: rotated.token }, token: undefined },
    };
  }
  const revoked = await revokeHostKey(services.ledger, {
    orgId: org.id,
    hostId,
    keyId: input.keyId,
    reason: input.reason,
    now,
  });
  if (!revoked.alreadyRevoked) {
    await auditOperatorChange(services, client, auth, {
      action: "host.key.revoke",
      summary: `key ${revoked.key.prefix} of ${host.slug} revoked`,
      target: { type: "host", id: hostId },
      details: { keyId: input.keyId },
    });
  }
  return { status: 200, body: { key: revoked.key, alreadyRevoked: revoked.alreadyRevoked } };
}

/**
 * What the console shows about a host: registry fields, heartbeat (computed now, by the host's
 * own interval when it has one), the latest snapshot's counts and signals, and the posture they
 * give.
 */
export async function hostView(services: Services, host: Host) {
  const now = services.clock.now();
  const state = await latestHostState(services.kv, host.orgId, host.id);
  const heartbeat = hostHeartbeat(host, now, services.config.heartbeat);
  // The same computation the fleet summary stores (lib/hosts/summary_posture.ts).
  const posture = postureOfItems(
    state?.signals.items ?? [],
    state ? new Date(state.ts) : null,
    heartbeat,
    now,
  );
  return { host, heartbeat, jobChannel: jobChannelState(host, now), latest: state, posture };
}
