/**
 * `deno task user:create --email <e> --org <slug> --role <role> [--name <n>] [--password <p>]`:
 * scripted setup. Creates the organization (named after its slug) when it does not exist, and
 * the user — or, when the e-mail already has an account, only adds the membership. Without
 * `--password` the password is read as one line from standard input (not echoed on a
 * terminal). Writes `org.create` / `user.create` / `org.member.add` audit entries and prints one
 * JSON line `{"userId":…,"orgId":…,"orgSlug":…}`.
 *
 * Exit codes: 0 done (also when the user already has that role there), 1 refused (a
 * conflicting membership, a failed write), 2 bad arguments, input or configuration; nothing is
 * written unless everything is valid.
 *
 * @module
 */

import { appendAudit } from "../lib/audit/append.ts";
import { hashPassword, validatePassword } from "../lib/auth/password.ts";
import { parseRole, type Role } from "../lib/auth/roles.ts";
import { loadConfig } from "../lib/config.ts";
import { type Ledger, migrateToLatest, openLedger } from "../lib/db/ledger/mod.ts";
import { writeTransaction } from "../lib/db/ledger/transaction.ts";
import { addMember, getMembership } from "../lib/orgs/members.ts";
import { createOrg, getOrgBySlug, validateSlug } from "../lib/orgs/orgs.ts";
import {
  createUser,
  getUserByEmail,
  normalizeEmail,
  USER_NAME_MAX_LENGTH,
  validateEmail,
} from "../lib/orgs/users.ts";
import {
  consoleOutput,
  parseScriptArgs,
  scriptFailure,
  type ScriptOutput,
  UsageError,
} from "./script_output.ts";

/** Supplies the password when `--password` is absent: one line, or null at end of input. */
export type PasswordSource = () => Promise<string | null>;

/** The audit actor of everything this script does. */
export const USER_CREATE_ACTOR = { type: "system", id: "user:create" } as const;

const USAGE = "usage: deno task user:create --email <e> --org <slug> --role " +
  "<viewer|ops|admin|owner> [--name <n>] [--password <p>]";

interface Input {
  email: string;
  slug: string;
  role: Role;
  name: string;
  password?: string;
}

function parseInput(args: string[]): Input {
  const values = parseScriptArgs(
    args,
    ["email", "org", "role", "name", "password"],
    USAGE,
    ["email", "org", "role"],
  );
  const email = normalizeEmail(values.email ?? "");
  const emailProblem = validateEmail(email);
  if (emailProblem) throw new UsageError(`--email: ${emailProblem}`);
  const slug = (values.org ?? "").trim();
  const slugProblem = validateSlug(slug);
  if (slugProblem) throw new UsageError(`--org: the slug ${slugProblem}`);
  const role = parseRole(values.role);
  if (role === null) {
    throw new UsageError(
      `--role: expected viewer, ops, admin or owner, got ${JSON.stringify(values.role)}`,
    );
  }
  const name = (values.name ?? "").trim();
  if (name.length > USER_NAME_MAX_LENGTH) {
    throw new UsageError(`--name: expected at most ${USER_NAME_MAX_LENGTH} characters`);
  }
  // Checked now, before anything is opened, when it came as an argument.
  const passwordProblem = values.password === undefined ? null : validatePassword(values.password);
  if (passwordProblem) throw new UsageError(`password: ${passwordProblem}`);
  return { email, slug, role, name, password: values.password };
}

async function passwordHashFor(
  input: Input,
  readPassword: PasswordSource,
  cost: number,
): Promise<string> {
  const password = input.password ?? await readPassword();
  if (password === null || password === "") {
    throw new UsageError("password: pass --password <p> or one line on standard input");
  }
  const problem = validatePassword(password);
  if (problem) throw new UsageError(`password: ${problem}`);
  return await hashPassword(password, cost);
}

/**
 * Creates (or joins) as described in the module doc; returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runUserCreate(
 *   ["--email", "ops@example.com", "--org", "acme", "--role", "owner", "--password", "a long passphrase"],
 *   Deno.env.toObject(),
 *   () => Promise.resolve(null),
 * );
 * ```
 */
export async function runUserCreate(
  args: string[],
  env: Record<string, string | undefined>,
  readPassword: PasswordSource,
  output: ScriptOutput = consoleOutput,
): Promise<number> {
  let ledger: Ledger | undefined;
  try {
    const input = parseInput(args);
    const config = loadConfig(env);
    ledger = await openLedger(config.databaseUrl);
    // A fresh install may run this before the server ever started.
    for (const r of await migrateToLatest(ledger)) {
      output.err(`ledger migration ${r.migrationName}: ${r.status}`);
    }
    const existingOrg = await getOrgBySlug(ledger, input.slug);
    const existingUser = await getUserByEmail(ledger, input.email);
    if (existingOrg && existingUser) {
      const role = await getMembership(ledger, existingOrg.id, existingUser.id);
      if (role === input.role) {
        output.err(`${input.email} is already ${role} in ${input.slug}; nothing changed`);
        output.out(
          JSON.stringify({ userId: existingUser.id, orgId: existingOrg.id, orgSlug: input.slug }),
        );
        return 0;
      }
      if (role !== null) {
        output.err(
          `user:create: ${input.email} is already a member of ${input.slug} as ${role}; ` +
            `change roles in the console (Members page) instead`,
        );
        return 1;
      }
    }
    if (existingUser && input.password !== undefined) {
      output.err(`note: ${input.email} already has an account; --password ignored (kept theirs)`);
    }
    const passwordHash = existingUser
      ? null
      : await passwordHashFor(input, readPassword, config.passwordHashCost);

    const result = await writeTransaction(ledger, async (tx) => {
      const now = new Date();
      const audit = (
        orgId: string | null,
        action: string,
        target: { type: string; id: string },
        summary: string,
        details?: Record<string, unknown>,
      ) =>
        appendAudit(tx, {
          orgId,
          actor: USER_CREATE_ACTOR,
          action,
          target,
          summary,
          details,
          ts: now,
        });
      const org = existingOrg ?? await createOrg(tx, { name: input.slug, slug: input.slug, now });
      if (!existingOrg) {
        await audit(
          org.id,
          "org.create",
          { type: "org", id: org.id },
          `organization ${org.slug} created by user:create`,
        );
      }
      const user = existingUser ??
        await createUser(tx, { email: input.email, name: input.name, passwordHash, now });
      if (!existingUser) {
        await audit(
          null,
          "user.create",
          { type: "user", id: user.id },
          `account ${user.email} created by user:create`,
        );
      }
      await addMember(tx, { orgId: org.id, userId: user.id, role: input.role, now });
      await audit(
        org.id,
        "org.member.add",
        { type: "user", id: user.id },
        `${user.email} added to ${org.slug} as ${input.role} by user:create`,
        { role: input.role, email: user.email },
      );
      return { userId: user.id, orgId: org.id, orgSlug: org.slug };
    });
    output.out(JSON.stringify(result));
    return 0;
  } catch (error) {
    return scriptFailure("user:create", error, output);
  } finally {
    await ledger?.close();
  }
}

/**
 * Reads one line from `stream`: up to `\n` or `\r`, with backspace (DEL or BS) removing the
 * last character, as typed on a raw terminal. Ctrl-C or Ctrl-D, or the end of input before
 * any character, give null.
 *
 * @example
 * ```ts
 * const password = await readLine(Deno.stdin.readable);
 * ```
 */
export async function readLine(stream: ReadableStream<Uint8Array>): Promise<string | null> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const chars: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return chars.length === 0 ? null : chars.join("");
      for (const char of decoder.decode(value, { stream: true })) {
        if (char === "\n" || char === "\r") return chars.join("");
        if (char === "\u0003" || char === "\u0004") return null;
        if (char === "\u007f" || char === "\b") chars.pop();
        else chars.push(char);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** On a terminal: prompt on stderr and read without echo (raw mode). */
async function readPasswordFromStdin(): Promise<string | null> {
  if (!Deno.stdin.isTerminal()) return await readLine(Deno.stdin.readable);
  await Deno.stderr.write(new TextEncoder().encode("Password (not shown): "));
  Deno.stdin.setRaw(true);
  try {
    return await readLine(Deno.stdin.readable);
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(new TextEncoder().encode("\n"));
  }
}

if (import.meta.main) {
  Deno.exit(await runUserCreate(Deno.args, Deno.env.toObject(), readPasswordFromStdin));
}
