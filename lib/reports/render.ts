/**
 * A fleet report as e-mail: HTML (tables with inline styles, which mail clients need; no
 * scripts, no external resources; every value escaped) and plain text. Pure functions of the
 * report data.
 *
 * Every styled element also carries a `rpt-*` class, so the console can show the same markup
 * without inline styles (its CSP allows only the site's stylesheet): `inlineStyles: false`.
 *
 * @module
 */

import { escapeHtml, type MailContent } from "../mail/templates.ts";
import type { PostureBand } from "../signals/posture.ts";
import type { Severity } from "../signals/types.ts";
import { type DurationStats, formatMinutes } from "./durations.ts";
import type { FleetReport } from "./model.ts";
import { counted } from "../text/plural.ts";

/** Options of {@link renderReportHtml}. */
export interface RenderHtmlOptions {
  /** Inline `style` attributes for mail clients (default true). */
  inlineStyles?: boolean;
  /** A whole document (default true); false gives the report table alone, for embedding. */
  document?: boolean;
}

const BANDS: PostureBand[] = ["critical", "elevated", "guarded", "low"];
const COLORS: Record<Severity | PostureBand, string> = {
  critical: "#cf222e",
  high: "#bc4c00",
  elevated: "#bc4c00",
  medium: "#9a6700",
  guarded: "#9a6700",
  low: "#1a7f37",
  info: "#59636e",
};
const FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif";
const STYLES: Record<string, string> = {
  outer: "background:#f6f8fa;width:100%;border-collapse:collapse",
  wrap: "padding:24px 12px",
  card: `${FONT};width:100%;max-width:640px;background:#ffffff;border:1px solid #d0d7de;` +
    "border-radius:8px;border-collapse:separate;color:#1f2328;font-size:14px;line-height:1.5",
  head: "padding:20px 24px 12px",
  title: "margin:0;font-size:20px;font-weight:600",
  sub: "margin:4px 0 0;color:#59636e",
  section: "padding:12px 24px;border-top:1px solid #eaeef2",
  h2: "margin:0 0 8px;font-size:16px;font-weight:600",
  table: "width:100%;border-collapse:collapse",
  th: "text-align:left;padding:4px 8px;font-size:12px;color:#59636e;" +
    "border-bottom:1px solid #d0d7de",
  td: "padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top",
  num: "text-align:right;white-space:nowrap",
  tile: "padding:8px;text-align:center;border:1px solid #eaeef2;border-radius:6px",
  tileValue: "display:block;font-size:22px;font-weight:600",
  tileLabel: "display:block;font-size:12px;color:#59636e",
  muted: "color:#59636e",
  foot: "padding:12px 24px 20px;border-top:1px solid #eaeef2;color:#59636e;font-size:12px",
  link: "color:#0969da",
};

type Attr = (name: string, extraClass?: string, extraStyle?: string) => string;

function attrFor(inline: boolean): Attr {
  return (name, extraClass, extraStyle) => {
    const cls = `rpt-${name}${extraClass ? ` ${extraClass}` : ""}`;
    if (!inline) return ` class="${cls}"`;
    const style = [STYLES[name], extraStyle].filter(Boolean).join(";");
    return ` class="${cls}"${style ? ` style="${escapeHtml(style)}"` : ""}`;
  };
}

/**
 * An ISO instant as the report shows it.
 *
 * @example
 * ```ts
 * formatUtc("2026-11-25T10:00:00.000Z"); // "2026-11-25 10:00 UTC"
 * ```
 */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * Bytes in words (binary units, one decimal).
 *
 * @example
 * ```ts
 * formatBytes(46_285); // "45.2 KiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A single-line subject naming the period and the organization.
 *
 * @example
 * ```ts
 * reportSubject(report); // "Weekly fleet report: Acme Ops, 2026-11-18 to 2026-11-25"
 * ```
 */
export function reportSubject(report: FleetReport): string {
  const what = report.period.kind === "day" ? "Daily" : "Weekly";
  const subject = `${what} fleet report: ${report.org.name}, ` +
    `${report.period.start.slice(0, 10)} to ${report.period.end.slice(0, 10)}`;
  return subject.replace(/[\r\n]+/g, " ").trim();
}

function statsLine(stats: DurationStats, what: string): string {
  if (stats.count === 0) return `n/a (none ${what} in the period)`;
  return `median ${formatMinutes(stats.medianMinutes)}, mean ${formatMinutes(stats.meanMinutes)}` +
    ` (${stats.count} ${what})`;
}

/**
 * Incidents not resolved now, in the states the incident list shows: "2 (1 open, 1
 * acknowledged)". `open` of the report counts acknowledged incidents too.
 */
function unresolved(incidents: FleetReport["incidents"]): string {
  const acknowledged = Math.max(0, incidents.open - incidents.unacknowledged);
  return `${incidents.open} (${incidents.unacknowledged} open, ${acknowledged} acknowledged)`;
}

/** The figures both bodies lead with, as label/value pairs (values not yet escaped). */
function headline(report: FleetReport): [string, string][] {
  const { hosts, breaches, incidents, silent, ingest } = report;
  return [
    ["Hosts", String(hosts.total)],
    ["Critical hosts", String(hosts.posture.critical)],
    ["Silent hosts", String(silent.count)],
    ["Open breaches", String(breaches.open)],
    ["Incidents not resolved", unresolved(incidents)],
    ["Snapshots", String(ingest.snapshots)],
  ];
}

function table(at: Attr, head: string[], rows: string[][], numeric: number[] = []): string {
  const cell = (tag: "th" | "td", i: number, html: string) =>
    `<${tag}${numeric.includes(i) ? at(tag, "rpt-num", STYLES.num) : at(tag)}>${html}</${tag}>`;
  return `<table role="presentation"${at("table")}>` +
    `<tr>${head.map((h, i) => cell("th", i, escapeHtml(h))).join("")}</tr>` +
    rows.map((r) => `<tr>${r.map((c, i) => cell("td", i, c)).join("")}</tr>`).join("") +
    "</table>";
}

function section(at: Attr, title: string, body: string): string {
  return `<tr><td${at("section")}><h2${at("h2")}>${escapeHtml(title)}</h2>${body}</td></tr>`;
}

function none(at: Attr, text: string): string {
  return `<p${at("muted")}>${escapeHtml(text)}</p>`;
}

function colored(at: Attr, value: Severity | PostureBand): string {
  const kind = value === "critical" || value === "high" || value === "medium" ||
      value === "low" || value === "info"
    ? "sev"
    : "band";
  return `<strong${at("tag", `rpt-${kind}-${value}`, `color:${COLORS[value]}`)}>${
    escapeHtml(value)
  }</strong>`;
}

/**
 * The report as HTML e-mail (or, with `document: false`, the report table to embed).
 *
 * @example
 * ```ts
 * const html = renderReportHtml(report);
 * const embeddable = renderReportHtml(report, { inlineStyles: false, document: false });
 * ```
 */
export function renderReportHtml(report: FleetReport, options: RenderHtmlOptions = {}): string {
  const at = attrFor(options.inlineStyles ?? true);
  const e = escapeHtml;
  const { hosts, signals, breaches, incidents, silent, ingest } = report;
  const what = report.period.kind === "day" ? "Daily" : "Weekly";
  const tiles = headline(report).map(([label, value]) =>
    `<td${at("tile")}><span${at("tileValue")}>${e(value)}</span>` +
    `<span${at("tileLabel")}>${e(label)}</span></td>`
  ).join("");
  const parts = [
    `<tr><td${at("head")}><h1${at("title")}>${e(what)} fleet report</h1>` +
    `<p${at("sub")}>${e(report.org.name)} · ${e(formatUtc(report.period.start))} to ` +
    `${e(formatUtc(report.period.end))}</p></td></tr>`,
    `<tr><td${at("section")}><table role="presentation"${at("table")}><tr>${tiles}</tr></table>` +
    "</td></tr>",
    section(
      at,
      "Posture",
      table(at, ["Band", "Hosts"], BANDS.map((b) => [colored(at, b), String(hosts.posture[b])]), [
        1,
      ]) +
        (hosts.riskiest.length === 0
          ? ""
          : `<p${at("muted")}>Riskiest: ${
            hosts.riskiest.map((h) => `${e(h.name)} (${h.score}, ${e(h.band)})`).join(", ")
          }</p>`),
    ),
    section(
      at,
      "Incidents",
      table(at, ["Measure", "Value"], [
        ["Not resolved now", unresolved(incidents)],
        ["Opened in the period", String(incidents.openedInPeriod)],
        ["Resolved in the period", String(incidents.resolvedInPeriod)],
        ["MTTA (time to acknowledge)", e(statsLine(incidents.mtta, "acknowledged"))],
        ["MTTR (time to resolve)", e(statsLine(incidents.mttr, "resolved"))],
      ]),
    ),
    section(
      at,
      `Top signals (${signals.total} observed)`,
      signals.top.length === 0 ? none(at, "No signals above info in the period.") : table(
        at,
        ["Severity", "Code", "Seen", "Hosts"],
        signals.top.map((s) => [
          colored(at, s.severity),
          `<code>${e(s.code)}</code>`,
          String(s.count),
          String(s.hosts),
        ]),
        [2, 3],
      ),
    ),
    section(
      at,
      `Open breaches (${breaches.open}; ${breaches.openedInPeriod} opened in the period)`,
      breaches.top.length === 0 ? none(at, "No open breaches.") : table(
        at,
        ["Severity", "Host", "Finding", "Open since"],
        breaches.top.map((b) => [
          colored(at, b.severity),
          e(b.hostName),
          `${e(b.title)} <span${at("muted")}>(${e(b.code)})</span>`,
          e(formatUtc(b.openedAt)),
        ]),
      ),
    ),
    section(
      at,
      `Silent hosts (${silent.count})`,
      silent.hosts.length === 0 ? none(at, "Every host is reporting.") : table(
        at,
        ["Host", "Heartbeat", "Last seen"],
        silent.hosts.map((h) => [
          e(h.name),
          e(h.state),
          h.lastSeenAt === null ? "never" : e(formatUtc(h.lastSeenAt)),
        ]),
      ),
    ),
    section(
      at,
      "Ingest",
      `<p>${ingest.snapshots} snapshots (${e(formatBytes(ingest.bytes))}) from ` +
        `${ingest.reportingHosts} of ${hosts.total} hosts.</p>`,
    ),
    `<tr><td${at("foot")}>Details in the console: <a href="${e(report.consoleUrl)}"${at("link")}>${
      e(report.consoleUrl)
    }</a><br>Generated ${e(formatUtc(report.generatedAt))} by VPS Sentry.` +
    "</td></tr>",
  ];
  const card = `<table role="presentation" cellpadding="0" cellspacing="0"${at("card")}>` +
    `${parts.join("\n")}</table>`;
  if (options.document === false) return card;
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(reportSubject(report))}</title></head>`,
    `<body style="margin:0;padding:0;background:#f6f8fa">`,
    `<table role="presentation" cellpadding="0" cellspacing="0"${at("outer")}><tr>` +
    `<td align="center"${at("wrap")}>${card}</td></tr></table>`,
    "</body></html>",
  ].join("\n");
}

/**
 * The report as plain text: every figure of the HTML version, one per line.
 *
 * @example
 * ```ts
 * renderReportText(report).includes("MTTA: median 10m"); // true for two 10-minute acks
 * ```
 */
export function renderReportText(report: FleetReport): string {
  const { hosts, signals, breaches, incidents, silent, ingest } = report;
  const what = report.period.kind === "day" ? "Daily" : "Weekly";
  const lines = [
    `VPS Sentry: ${what.toLowerCase()} fleet report`,
    `${report.org.name}, ${formatUtc(report.period.start)} to ${formatUtc(report.period.end)}`,
    "",
    "SUMMARY",
    ...headline(report).map(([label, value]) => `  ${label}: ${value}`),
    "",
    "POSTURE",
    ...BANDS.map((b) => `  ${b.padEnd(9)} ${hosts.posture[b]}`),
    ...(hosts.riskiest.length === 0
      ? []
      : [`  Riskiest: ${hosts.riskiest.map((h) => `${h.name} (${h.score})`).join(", ")}`]),
    "",
    "INCIDENTS",
    `  Not resolved now: ${unresolved(incidents)}`,
    `  Opened in the period: ${incidents.openedInPeriod}`,
    `  Resolved in the period: ${incidents.resolvedInPeriod}`,
    `  MTTA: ${statsLine(incidents.mtta, "acknowledged")}`,
    `  MTTR: ${statsLine(incidents.mttr, "resolved")}`,
    "",
    `TOP SIGNALS (${signals.total} observed)`,
    ...(signals.top.length === 0
      ? ["  No signals above info in the period."]
      : signals.top.map((s) =>
        `  ${s.severity.padEnd(8)} ${s.code}: seen ${s.count}, on ${counted(s.hosts, "host")}`
      )),
    "",
    `OPEN BREACHES (${breaches.open}; ${breaches.openedInPeriod} opened in the period)`,
    ...(breaches.top.length === 0
      ? ["  No open breaches."]
      : breaches.top.map((b) =>
        `  ${b.severity.padEnd(8)} ${b.hostName}: ${b.title} (${b.code}), since ` +
        formatUtc(b.openedAt)
      )),
    "",
    `SILENT HOSTS (${silent.count})`,
    ...(silent.hosts.length === 0
      ? ["  Every host is reporting."]
      : silent.hosts.map((h) =>
        `  ${h.name}: ${h.state}, last seen ${
          h.lastSeenAt === null ? "never" : formatUtc(h.lastSeenAt)
        }`
      )),
    "",
    "INGEST",
    `  ${ingest.snapshots} snapshots (${formatBytes(ingest.bytes)}) from ` +
    `${ingest.reportingHosts} of ${hosts.total} hosts`,
    "",
    `Details: ${report.consoleUrl}`,
    `Generated ${formatUtc(report.generatedAt)} by VPS Sentry`,
  ];
  // deno-lint-ignore no-control-regex -- control characters from agent data never reach a mail
  return lines.map((l) => l.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, " ")).join("\n");
}

/**
 * Subject, HTML and text of the report e-mail.
 *
 * @example
 * ```ts
 * await mailer.send({ to: "ops@example.com", ...reportMail(report) });
 * ```
 */
export function reportMail(report: FleetReport): MailContent {
  return {
    subject: reportSubject(report),
    html: renderReportHtml(report),
    text: renderReportText(report),
  };
}
