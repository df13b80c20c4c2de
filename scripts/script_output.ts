/**
 * Where task scripts write, passed in so tests can capture it: results to `out` (stdout),
 * problems and notes to `err` (stderr).
 *
 * @module
 */

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
