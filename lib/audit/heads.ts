/**
 * Exporting chain heads to a sink outside the ledger (an append-only file, or a webhook to
 * another system), so a later rewrite of a whole chain — every hash recomputed, which the chain
 * itself cannot reveal — is caught by `verifyAgainstExportedHeads`.
 *
 * Webhook requests carry `x-sentry-signature: sha256=<hex>`: HMAC-SHA256 of the raw body with a
 * key derived from the app secret by HKDF-SHA256 (empty salt, info
 * `"vps-sentry audit-head-export v1"`, 32 bytes); see {@link signHeadExport}.
 *
 * @module
 */

import { createHmac, hkdfSync } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { LedgerDb } from "../orgs/orgs.ts";
import type { ExportedHead } from "./verify.ts";

export type { ExportedHead } from "./verify.ts";

/** One exported head, as written to the sink. */
export interface ExportedHeadLine extends ExportedHead {
  /** ISO 8601. */
  exportedAt: string;
}

/** Options of {@link exportChainHeads}. */
export interface ExportHeadsOptions {
  /** `file:<path>` (JSON lines appended) or an http(s) URL (JSON POST). */
  sink: string;
  /** The app secret; the webhook signing key is derived from it. */
  secret: string;
  now: Date;
  /** Webhook timeout (default 10 s). */
  timeoutMs?: number;
}

const HKDF_INFO = "vps-sentry audit-head-export v1";
const HEADS_PAGE = 500;
const HASH = /^[0-9a-f]{64}$/;

/**
 * The file path of a `file:` sink, or null for a webhook.
 *
 * @example
 * ```ts
 * sinkFilePath("file:./data/audit-heads.jsonl"); // "./data/audit-heads.jsonl"
 * sinkFilePath("https://witness.example.com/heads"); // null
 * ```
 */
export function sinkFilePath(sink: string): string | null {
  if (sink.startsWith("file://")) return fileURLToPath(sink);
  if (sink.startsWith("file:")) return sink.slice("file:".length);
  return null;
}

/**
 * The `x-sentry-signature` value of a webhook body: `sha256=<hex HMAC>` keyed with
 * HKDF-SHA256(secret, info "vps-sentry audit-head-export v1"). Receivers recompute it.
 *
 * @example
 * ```ts
 * const expected = signHeadExport(await request.text(), sharedSecret);
 * if (request.headers.get("x-sentry-signature") !== expected) return new Response(null, { status: 401 });
 * ```
 */
export function signHeadExport(body: string, secret: string): string {
  const key = new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), HKDF_INFO, 32));
  return `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
}

/** Every non-empty chain's head, in chain order, read a page at a time. */
async function allHeads(ledger: LedgerDb): Promise<ExportedHead[]> {
  const heads: ExportedHead[] = [];
  let after: string | undefined;
  for (;;) {
    const rows = await ledger.db.selectFrom("audit_heads").select(["chain", "seq", "hash"])
      .where("seq", ">", 0)
      .$if(after !== undefined, (q) => q.where("chain", ">", after ?? ""))
      .orderBy("chain").limit(HEADS_PAGE).execute();
    for (const row of rows) heads.push({ chain: row.chain, seq: Number(row.seq), hash: row.hash });
    if (rows.length < HEADS_PAGE) return heads;
    after = rows[rows.length - 1].chain;
  }
}

/**
 * Exports the current head of every chain: appends one JSON line per chain to a file sink
 * (its directory is created; the file is synced), or POSTs `{ exportedAt, heads }` to a webhook
 * with a signature header. Returns what was exported. Throws when the sink refuses; exporting
 * again is harmless (one more set of lines).
 *
 * @example
 * ```ts
 * const heads = await exportChainHeads(ledger, {
 *   sink: config.auditHeadSink, secret: appSecret, now: clock.now(),
 * });
 * ```
 */
export async function exportChainHeads(
  ledger: LedgerDb,
  options: ExportHeadsOptions,
): Promise<ExportedHeadLine[]> {
  const exportedAt = options.now.toISOString();
  const lines = (await allHeads(ledger)).map((head) => ({ ...head, exportedAt }));
  const path = sinkFilePath(options.sink);
  if (path !== null) {
    if (lines.length === 0) return lines;
    await mkdir(dirname(path), { recursive: true });
    const file = await open(path, "a", 0o600);
    try {
      await file.appendFile(lines.map((line) => JSON.stringify(line) + "\n").join(""));
      await file.datasync();
    } finally {
      await file.close();
    }
    return lines;
  }
  const body = JSON.stringify({ exportedAt, heads: lines });
  const response = await fetch(options.sink, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-sentry-signature": signHeadExport(body, options.secret),
    },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  await response.body?.cancel();
  if (!response.ok) {
    throw new Error(
      `audit head sink ${new URL(options.sink).origin} answered ${response.status}; ` +
        `check AUDIT_HEAD_SINK and that the receiver accepts the signature`,
    );
  }
  return lines;
}

/**
 * Reads a file written by {@link exportChainHeads}: every exported head, in file order. Throws
 * naming the line for a malformed one (a missing file throws `Deno.errors.NotFound`).
 *
 * @example
 * ```ts
 * const heads = await readExportedHeads("./data/audit-heads.jsonl");
 * ```
 */
export async function readExportedHeads(path: string): Promise<ExportedHeadLine[]> {
  const text = await Deno.readTextFile(path);
  const heads: ExportedHeadLine[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(
        `${path}:${index + 1}: not JSON; expected {"chain","seq","hash","exportedAt"}`,
      );
    }
    const head = value as Partial<ExportedHeadLine>;
    if (
      typeof head?.chain !== "string" || !Number.isSafeInteger(head.seq) || (head.seq ?? 0) < 1 ||
      typeof head.hash !== "string" || !HASH.test(head.hash)
    ) {
      throw new Error(`${path}:${index + 1}: expected {"chain","seq","hash","exportedAt"}`);
    }
    heads.push({
      chain: head.chain,
      seq: head.seq as number,
      hash: head.hash,
      exportedAt: String(head.exportedAt ?? ""),
    });
  });
  return heads;
}
