/**
 * `deno task host:create --org <slug> --name <name> [--slug s] [--group g] [--tags a,b]`:
 * registers a host and its first API key from the command line and prints ONE JSON line
 * `{"hostId":…,"token":…,"ingestUrl":…}` (the token is shown only here).
 *
 * It touches only the ledger, never the KV file, so it works while the server runs: SQLite
 * allows one writer at a time (`begin immediate` waits its turn) and Postgres many.
 * Exit codes: 0 done, 1 refused (unknown org, slug taken, a failed write), 2 bad arguments or
 * configuration.
 *
 * @module
 */
import { appendAudit } from "../lib/audit/append.ts";
import { loadConfig } from "../lib/config.ts";
import { type Ledger, migrateToLatest, openLedger } from "../lib/db/ledger/mod.ts";
import { writeTransaction } from "../lib/db/ledger/transaction.ts";
import { getOrgBySlug } from "../lib/orgs/orgs.ts";
import { createHost } from "../lib/hosts/registry.ts";
import { createHostKey } from "../lib/hosts/keys.ts";
import { onboardingFor } from "../lib/hosts/onboarding.ts";
import {
  consoleOutput,
  parseScriptArgs,
  scriptFailure,
  type ScriptOutput,
} from "./script_output.ts";

const USAGE =
  "usage: deno task host:create --org <slug> --name <name> [--slug <s>] [--group <g>] [--tags a,b]";
const ACTOR = { type: "system", id: "host:create" } as const;

function parseInput(args: string[]) {
  const values = parseScriptArgs(args, ["org", "name", "slug", "group", "tags"], USAGE, [
    "org",
    "name",
  ]);
  return {
    org: values.org!,
    host: {
      name: values.name!,
      ...(values.slug ? { slug: values.slug } : {}),
      ...(values.group ? { group: values.group } : {}),
      tags: values.tags ? values.tags.split(",").map((t) => t.trim()).filter(Boolean) : [],
    },
  };
}

/**
 * The testable main: returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runHostCreate(["--org", "acme", "--name", "web-1"], Deno.env.toObject());
 * ```
 */
export async function runHostCreate(
  args: string[],
  env: Record<string, string | undefined>,
  output: ScriptOutput = consoleOutput,
): Promise<number> {
  let ledger: Ledger | undefined;
  try {
    const input = parseInput(args);
    const config = loadConfig(env);
    ledger = await openLedger(config.databaseUrl);
    for (const r of await migrateToLatest(ledger)) {
      output.err(`ledger migration ${r.migrationName}: ${r.status}`);
    }
    const org = await getOrgBySlug(ledger, input.org.trim().toLowerCase());
    if (!org) {
      output.err(
        `host:create: no organization "${input.org}"; create it with deno task user:create first`,
      );
      return 1;
    }
    const now = new Date();
    const { host, token } = await writeTransaction(ledger, async (tx) => {
      const host = await createHost(tx, org.id, input.host, { now });
      const { key, token } = await createHostKey(tx, {
        orgId: org.id,
        hostId: host.id,
        label: "agent",
        now,
      });
      await appendAudit(tx, {
        orgId: org.id,
        actor: ACTOR,
        action: "host.create",
        target: { type: "host", id: host.id },
        summary: `host ${host.name} (${host.slug}) created with key ${key.prefix} by host:create`,
        details: { slug: host.slug, keyId: key.id },
        ts: now,
      });
      return { host, token };
    });
    const { ingestUrl } = onboardingFor({ appUrl: config.appUrl, hostId: host.id, token });
    output.out(JSON.stringify({ hostId: host.id, token, ingestUrl }));
    return 0;
  } catch (error) {
    return scriptFailure("host:create", error, output);
  } finally {
    await ledger?.close();
  }
}

if (import.meta.main) Deno.exit(await runHostCreate(Deno.args, Deno.env.toObject()));
