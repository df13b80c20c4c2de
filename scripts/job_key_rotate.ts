/**
 * `deno task job-key:rotate [--overlap-sec N]`: rotates the control plane's job-signing key
 * (agent-protocol §3.8). The key signs every organization's remediation jobs, so rotating it is
 * the server operator's act, like changing `APP_SECRET` — no organization's owner may do it
 * through the API. Runners keep trusting the previous key for the overlap (default 14 days,
 * at least 900 s) and learn the new one from the signed rollover in their poll responses.
 *
 * Touches only the ledger, so it works beside a running server (which picks the new key up
 * within a minute). Writes a `remediation.job_key.rotate` audit entry into every
 * organization's chain (each one's runners now get jobs under the new key) and prints one
 * JSON line `{"activeKid":…,"previousKid":…,"trustedUntil":…}`. Exit codes: 0 done, 1 refused
 * (a failed write), 2 bad arguments or configuration.
 *
 * @module
 */
import { appendAudit } from "../lib/audit/append.ts";
import { loadConfig, resolveAppSecret } from "../lib/config.ts";
import { type Ledger, migrateToLatest, openLedger } from "../lib/db/ledger/mod.ts";
import { createLogger } from "../lib/log.ts";
import { DEFAULT_ROLLOVER_OVERLAP_SEC, rotateJobSigningKey } from "../lib/remediation/job_keys.ts";
import {
  consoleOutput,
  parseScriptArgs,
  scriptFailure,
  type ScriptOutput,
  UsageError,
} from "./script_output.ts";

const USAGE = "usage: deno task job-key:rotate [--overlap-sec <seconds, 900-7776000>]";
const ACTOR = { type: "system", id: "job-key:rotate" } as const;

function overlapOf(args: string[]): number {
  const values = parseScriptArgs(args, ["overlap-sec"], USAGE, []);
  if (values["overlap-sec"] === undefined) return DEFAULT_ROLLOVER_OVERLAP_SEC;
  const n = Number(values["overlap-sec"]);
  if (!Number.isInteger(n) || n < 900 || n > 90 * 86_400) {
    throw new UsageError(`--overlap-sec: expected whole seconds 900-7776000\n${USAGE}`);
  }
  return n;
}

/**
 * The testable main: returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runJobKeyRotate(["--overlap-sec", "3600"], Deno.env.toObject());
 * ```
 */
export async function runJobKeyRotate(
  args: string[],
  env: Record<string, string | undefined>,
  output: ScriptOutput = consoleOutput,
): Promise<number> {
  let ledger: Ledger | undefined;
  try {
    const overlapSec = overlapOf(args);
    const loaded = loadConfig(env);
    // The private key is sealed with APP_SECRET: the same one the server uses.
    const config = { ...loaded, appSecret: await resolveAppSecret(loaded, createLogger("warn")) };
    ledger = await openLedger(config.databaseUrl);
    for (const r of await migrateToLatest(ledger)) {
      output.err(`ledger migration ${r.migrationName}: ${r.status}`);
    }
    const now = new Date();
    const { active, previous } = await rotateJobSigningKey({
      ledger,
      config,
      clock: { now: () => now },
    }, { overlapSec });
    const orgs = await ledger.db.selectFrom("orgs").select("id").orderBy("id").execute();
    for (const org of orgs) {
      await appendAudit(ledger, {
        orgId: org.id,
        actor: ACTOR,
        action: "remediation.job_key.rotate",
        target: { type: "job_signing_key", id: active.kid },
        summary: `job-signing key rotated to ${active.kid} by job-key:rotate` +
          (previous ? `; ${previous.kid} trusted until ${previous.notAfter.toISOString()}` : ""),
        details: { previousKid: previous?.kid ?? null, overlapSec },
        ts: now,
      });
    }
    output.out(JSON.stringify({
      activeKid: active.kid,
      previousKid: previous?.kid ?? null,
      trustedUntil: previous?.notAfter.toISOString() ?? null,
    }));
    return 0;
  } catch (error) {
    return scriptFailure("job-key:rotate", error, output);
  } finally {
    await ledger?.close();
  }
}

if (import.meta.main) Deno.exit(await runJobKeyRotate(Deno.args, Deno.env.toObject()));
