/**
 * `deno task audit:verify [--org <slug or id>] [--heads <path>]`: verifies one audit chain, or
 * every chain, and compares with the exported chain heads (by default the file of
 * `AUDIT_HEAD_SINK` when it is a file). One line per chain:
 *
 * ```
 * ok 01JD… 42 entries, head 42 3f9a0c1d2e4b
 * BROKEN 01JD… at seq 7 (01JD…): hash mismatch (entry edited)
 * ```
 *
 * Exit codes: 0 all ok, 1 something is broken, 2 bad arguments or configuration.
 *
 * @module
 */

import { GLOBAL_CHAIN } from "../lib/audit/entry.ts";
import { type ExportedHeadLine, readExportedHeads, sinkFilePath } from "../lib/audit/heads.ts";
import {
  type ChainVerification,
  verifyAgainstExportedHeads,
  verifyChain,
} from "../lib/audit/verify.ts";
import { type AppConfig, loadConfig } from "../lib/config.ts";
import { type Ledger, migrationStatus, openLedger } from "../lib/db/ledger/mod.ts";
import { getOrg, getOrgBySlug } from "../lib/orgs/orgs.ts";
import { consoleOutput, parseScriptArgs, type ScriptOutput, UsageError } from "./script_output.ts";

const USAGE = "usage: deno task audit:verify [--org <slug or id>] [--heads <path>]";

function parse(args: string[]): { org?: string; heads?: string } {
  return parseScriptArgs(args, ["org", "heads"], USAGE);
}

async function chainsToVerify(ledger: Ledger, org: string | undefined): Promise<string[]> {
  if (org === GLOBAL_CHAIN) return [GLOBAL_CHAIN];
  if (org !== undefined) {
    const found = await getOrg(ledger, org) ?? await getOrgBySlug(ledger, org);
    if (!found) {
      throw new UsageError(`--org: no organization with slug or id ${JSON.stringify(org)}`);
    }
    return [found.id];
  }
  // Chains with a head, and chains with entries whose head row is gone (that is a break too).
  const heads = await ledger.db.selectFrom("audit_heads").select("chain").execute();
  const entries = await ledger.db.selectFrom("audit_entries").select("chain").distinct().execute();
  return [...new Set([...heads, ...entries].map((r) => r.chain))].sort();
}

function chainLine(result: ChainVerification): string {
  if (result.firstBroken) {
    const { seq, id, reason } = result.firstBroken;
    return `BROKEN ${result.chain} at seq ${seq} (${id ?? "missing"}): ${reason}`;
  }
  const pruned = result.startedAfter > 0 ? ` (pruned up to ${result.startedAfter})` : "";
  return result.head
    ? `ok ${result.chain} ${result.checked} entries, head ${result.head.seq} ${
      result.head.hash.slice(0, 12)
    }${pruned}`
    : `ok ${result.chain} 0 entries, empty${pruned}`;
}

/** Reads the heads file; null (with a note) when the default file does not exist yet. */
async function loadHeads(
  config: AppConfig,
  explicitPath: string | undefined,
  output: ScriptOutput,
): Promise<ExportedHeadLine[] | null> {
  const path = explicitPath ?? sinkFilePath(config.auditHeadSink);
  if (path === null) {
    output.err(
      "note: AUDIT_HEAD_SINK is a webhook; pass --heads <file> to compare with exported heads",
    );
    return null;
  }
  try {
    return await readExportedHeads(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && explicitPath === undefined) {
      output.err(
        `note: no exported heads at ${path} yet (the audit-head-export cron writes them hourly); ` +
          `whole-chain rewrites cannot be checked until then`,
      );
      return null;
    }
    throw new UsageError(`--heads: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Runs the verification; returns the exit code (0 ok, 1 broken, 2 bad input).
 *
 * @example
 * ```ts
 * Deno.exit(await runAuditVerify(Deno.args, Deno.env.toObject()));
 * ```
 */
export async function runAuditVerify(
  args: string[],
  env: Record<string, string | undefined>,
  output: ScriptOutput = consoleOutput,
): Promise<number> {
  let ledger: Ledger | undefined;
  try {
    const options = parse(args);
    const config = loadConfig(env);
    ledger = await openLedger(config.databaseUrl);
    const status = await migrationStatus(ledger);
    if (!status.current) {
      throw new UsageError(
        `the ledger is not migrated (pending: ${status.pending.join(", ")}); ` +
          `run "deno task db:migrate" first`,
      );
    }
    const chains = await chainsToVerify(ledger, options.org);
    let broken = false;
    for (const chain of chains) {
      const result = await verifyChain(ledger, chain);
      broken ||= !result.ok;
      output.out(chainLine(result));
    }
    const heads = await loadHeads(config, options.heads, output);
    if (heads !== null) {
      const selected = options.org === undefined
        ? heads
        : heads.filter((h) => chains.includes(h.chain));
      const result = await verifyAgainstExportedHeads(ledger, selected);
      if (result.firstMismatch) {
        const { chain, seq, id, reason } = result.firstMismatch;
        output.out(`BROKEN ${chain} at seq ${seq} (${id ?? "missing"}): ${reason}`);
        broken = true;
      } else {
        output.out(
          `ok exported heads: ${result.checked} chains match` +
            (result.skipped > 0 ? `, ${result.skipped} pruned since export` : ""),
        );
      }
    }
    return broken ? 1 : 0;
  } catch (error) {
    // Bad arguments, config, an unreachable ledger: all need fixing before anything is verified.
    output.err(`audit:verify: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    await ledger?.close();
  }
}

if (import.meta.main) {
  Deno.exit(await runAuditVerify(Deno.args, Deno.env.toObject()));
}
