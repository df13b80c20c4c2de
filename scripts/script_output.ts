/**
 * Where task scripts write, passed in so tests can capture it: results to `out` (stdout),
 * problems and notes to `err` (stderr).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ConfigError } from "../lib/config.ts";

/** Output of a script's testable main function. */
export interface ScriptOutput {
  out(line: string): void;
  err(line: string): void;
}

/** stdout and stderr. */
export const consoleOutput: ScriptOutput = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/**
 * An output that keeps the lines, for tests.
 *
 * @example
 * ```ts
 * const output = capturedOutput();
 * await runAuditVerify([], env, output);
 * output.stdout; // ["ok _global 3 entries, head 3 …"]
 * ```
 */
export function capturedOutput(): ScriptOutput & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

/** A problem with the command line or the input that the user fixes (exit 2). */
export class UsageError extends Error {}

/**
 * Parses `--name value` options (all strings, no positionals); an unknown or missing required
 * option is a {@link UsageError} that ends with the usage line.
 *
 * @example
 * ```ts
 * const values = parseScriptArgs(args, ["org", "name", "group"], USAGE, ["org", "name"]);
 * ```
 */
export function parseScriptArgs(
  args: string[],
  names: readonly string[],
  usage: string,
  required: readonly string[] = [],
): Record<string, string | undefined> {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args,
      options: Object.fromEntries(names.map((n) => [n, { type: "string" as const }])),
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${usage}`);
  }
  for (const name of required) {
    if (!values[name]) throw new UsageError(`--${name} is required; ${usage}`);
  }
  return values;
}

/**
 * Reports a script's failure as one line `<task>: <message>` and returns its exit code: 2 for
 * what the user fixes (usage, configuration), 1 for anything else (a refusal, a store down).
 *
 * @example
 * ```ts
 * } catch (error) {
 *   return scriptFailure("host:create", error, output);
 * }
 * ```
 */
export function scriptFailure(task: string, error: unknown, output: ScriptOutput): number {
  const message = error instanceof Error ? error.message : String(error);
  output.err(`${task}: ${message.replaceAll("\n", " ")}`);
  return error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
}
