/**
 * Accessibility checks in real browser tests: axe-core (npm) injected into a playwright-core page.
 * The app's CSP forbids inline scripts, so axe's source is evaluated through the DevTools
 * protocol (`page.evaluate`), which runs outside the page's CSP; the page itself is unchanged.
 */
import axe from "axe-core";
import type { Page } from "playwright-core";

/** axe's impact levels, least to most severe. */
export type Impact = "minor" | "moderate" | "serious" | "critical";

/** One rule that failed, with the elements that fail it. */
export interface Violation {
  id: string;
  impact: Impact | null;
  help: string;
  helpUrl: string;
  nodes: { target: string; html: string; summary: string }[];
}

/** Impacts that fail a test. */
export const BLOCKING: readonly Impact[] = ["serious", "critical"];

/**
 * Runs axe on the page as it is now and returns every violation (all impacts).
 *
 * @example
 * ```ts
 * const violations = await axeViolations(page);
 * const blocking = violations.filter((v) => BLOCKING.includes(v.impact!));
 * ```
 */
export async function axeViolations(
  page: Page,
  opts: { disableRules?: string[] } = {},
): Promise<Violation[]> {
  const loaded = await page.evaluate(() => "axe" in globalThis);
  if (!loaded) await page.evaluate(axe.source);
  const rules = Object.fromEntries((opts.disableRules ?? []).map((id) => [id, { enabled: false }]));
  return await page.evaluate(async (rules) => {
    interface AxeNode {
      target: unknown[];
      html: string;
      failureSummary?: string;
    }
    interface AxeResult {
      id: string;
      impact?: string | null;
      help: string;
      helpUrl: string;
      nodes: AxeNode[];
    }
    const run = (globalThis as unknown as {
      axe: { run(ctx: Document, o: unknown): Promise<{ violations: AxeResult[] }> };
    }).axe.run;
    const { violations } = await run(document, { rules, resultTypes: ["violations"] });
    return violations.map((v) => ({
      id: v.id,
      impact: (v.impact ?? null) as Impact | null,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map(String).join(" "),
        html: n.html.length > 160 ? `${n.html.slice(0, 160)}…` : n.html,
        summary: (n.failureSummary ?? "").replace(/\s+/g, " ").trim(),
      })),
    }));
  }, rules);
}

/**
 * Violations as readable lines: rule, impact, help, then each failing element with why.
 *
 * @example
 * ```ts
 * console.log(formatViolations("/hosts (dark)", violations));
 * ```
 */
export function formatViolations(label: string, violations: Violation[]): string {
  const lines = [`${label}: ${violations.length} accessibility violation(s)`];
  for (const v of violations) {
    lines.push(`  [${v.impact ?? "?"}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 8)) {
      lines.push(`    at ${n.target}`, `      ${n.html}`);
      if (n.summary) lines.push(`      ${n.summary}`);
    }
    if (v.nodes.length > 8) lines.push(`    … and ${v.nodes.length - 8} more`);
  }
  return lines.join("\n");
}

/**
 * Runs axe and returns the serious and critical violations only, formatted, or "" when there
 * are none — so a test can collect findings across pages and fail once with all of them.
 * With `A11Y_ALL=1` in the environment every impact counts (to review the moderate and minor
 * findings too).
 *
 * @example
 * ```ts
 * const problems = [await blockingViolations(page, "/hosts")].filter(Boolean);
 * deepEqual(problems, []);
 * ```
 */
export async function blockingViolations(
  page: Page,
  label: string,
  opts: { disableRules?: string[] } = {},
): Promise<string> {
  const all = Deno.env.get("A11Y_ALL") === "1";
  const found = (await axeViolations(page, opts)).filter((v) =>
    all || (v.impact !== null && BLOCKING.includes(v.impact))
  );
  return found.length === 0 ? "" : formatViolations(label, found);
}
