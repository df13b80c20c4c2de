/**
 * A small command-line parser: `--name value`, `--name=value` and boolean `--flag`, positional
 * words in order. Unknown options are errors, so a typo never goes unnoticed.
 *
 * @module
 */

/** Parsed arguments. */
export interface ParsedArgs {
  positional: string[];
  options: Record<string, string>;
  flags: Set<string>;
}

/** A usage error (exit 64). */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Parses `argv` given the option names that take a value and the boolean flags.
 *
 * @example
 * ```ts
 * parseArgs(["enroll", "--host-id", "h1", "--json"], ["host-id"], ["json"]);
 * // { positional: ["enroll"], options: { "host-id": "h1" }, flags: Set { "json" } }
 * ```
 */
export function parseArgs(
  argv: readonly string[],
  valued: readonly string[],
  booleans: readonly string[],
): ParsedArgs {
  const out: ParsedArgs = { positional: [], options: {}, flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      if (arg === "-h") out.flags.add("help");
      else out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (valued.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      out.options[name] = value;
    } else if (booleans.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}
