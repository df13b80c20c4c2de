/**
 * Which URLs notification endpoints may call (docs/notifications.md, "URL policy"):
 *
 * - `http:` or `https:` only, with a host, and never credentials (`user:pass@`): they would be
 *   shown and logged as part of the URL. Put tokens in the path or query instead.
 * - Loopback, private, link-local, CGNAT, multicast and reserved addresses (and `localhost`,
 *   `*.localhost`, `*.local`, `*.internal`) are refused unless `NOTIFY_ALLOW_PRIVATE_URLS` is on
 *   (default: on outside production, off in production). When refused, host names are also
 *   resolved before each send and refused if any address is private. Redirects are never
 *   followed, so a public URL cannot bounce a request inside.
 *
 * Slack and Discord URLs carry their credential in the path, so only {@link displayUrl} (scheme,
 * host and first path segment) is ever shown or logged.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";

/** Longest accepted endpoint URL. */
export const MAX_URL_LENGTH = 2000;

const PRIVATE_HOST_SUFFIXES = [".localhost", ".local", ".internal", ".lan", ".home.arpa"];

function ipv4Parts(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function privateIpv4([a, b]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) || (a === 192 && b === 0) ||
    (a === 198 && b >= 18 && b <= 19) ||
    a >= 224;
}

/** The 8 groups of an IPv6 address (brackets allowed), or null when it is not one. */
function ipv6Groups(raw: string): number[] | null {
  let host = raw.replace(/^\[|\]$/g, "").toLowerCase();
  if (!host.includes(":") || !/^[0-9a-f:.]+$/.test(host)) return null;
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(host);
  if (v4) {
    // A dotted IPv4 tail (`::ffff:1.2.3.4`) is two hex groups.
    const p = ipv4Parts(v4[1]);
    if (!p) return null;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    host = host.slice(0, -v4[1].length) + `${hex(p[0], p[1])}:${hex(p[2], p[3])}`;
  }
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => s === "" ? [] : s.split(":").map((g) => parseInt(g, 16));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const given = head.length + rest.length;
  if ([...head, ...rest].some((g) => Number.isNaN(g) || g > 0xffff)) return null;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  return [...head, ...new Array(8 - given).fill(0), ...rest];
}

/**
 * True for loopback, private, link-local, CGNAT, unspecified, multicast and reserved IPv4/IPv6
 * addresses (IPv4-mapped IPv6 included); false for public addresses and for non-addresses.
 *
 * @example
 * ```ts
 * isPrivateAddress("127.0.0.1");   // true
 * isPrivateAddress("[::1]");       // true
 * isPrivateAddress("93.184.215.14"); // false
 * ```
 */
export function isPrivateAddress(address: string): boolean {
  const v4 = ipv4Parts(address);
  if (v4) return privateIpv4(v4);
  const g = ipv6Groups(address);
  if (!g) return false;
  if (g.every((x) => x === 0)) return true; // ::
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return true; // ::1
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return privateIpv4([g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff]); // ::ffff:a.b.c.d
  }
  return (g[0] & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (g[0] & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (g[0] & 0xff00) === 0xff00 || // multicast
    (g[0] === 0x2001 && g[1] === 0x0db8) || // documentation
    (g[0] === 0x64 && g[1] === 0xff9b); // NAT64 can reach private IPv4
}

/** True for host names that only make sense inside a network (`localhost`, `*.internal`, …). */
export function isPrivateHostName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return host === "localhost" || PRIVATE_HOST_SUFFIXES.some((s) => host.endsWith(s)) ||
    isPrivateAddress(host);
}

function invalidUrl(field: string, message: string): HttpError {
  return new HttpError(400, `${field}: ${message}`, {
    code: "invalid_input",
    details: { field },
  });
}

/**
 * Checks an endpoint URL and returns it normalized; a 400 naming `field` says what to change.
 *
 * @example
 * ```ts
 * checkEndpointUrl("https://hooks.example.com/x", { allowPrivate: false }); // "https://hooks.example.com/x"
 * checkEndpointUrl("http://10.0.0.5/hook", { allowPrivate: false }); // throws 400 url: … private address …
 * ```
 */
export function checkEndpointUrl(
  raw: string,
  options: { allowPrivate: boolean; field?: string },
): string {
  const field = options.field ?? "url";
  const text = raw.trim();
  if (text.length > MAX_URL_LENGTH) {
    throw invalidUrl(field, `use a URL of at most ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidUrl(field, "enter a full URL such as https://hooks.example.com/sentry");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "") {
    throw invalidUrl(field, "use an https:// (or http://) URL, e.g. https://hooks.example.com/x");
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidUrl(
      field,
      "remove the user name and password from the URL (they would be shown and logged); " +
        "put a token in the path or query instead",
    );
  }
  if (!options.allowPrivate && isPrivateHostName(url.hostname)) {
    throw invalidUrl(
      field,
      "the URL points at a loopback, private or internal address, which this server refuses; " +
        "use a public host name, or set NOTIFY_ALLOW_PRIVATE_URLS=true on the server",
    );
  }
  url.hash = "";
  return url.href;
}

/**
 * What may be shown or logged of an endpoint URL: scheme, host, port and the first path
 * segment, `/…` when more follows and `?…` for a query.
 *
 * @example
 * ```ts
 * displayUrl("https://hooks.slack.com/services/T0/B0/XXXX"); // "https://hooks.slack.com/services/…"
 * ```
 */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const segments = url.pathname.split("/").filter((s) => s !== "");
    const first = segments.length > 0 ? `/${segments[0]}` : "";
    return `${url.protocol}//${url.host}${first}${segments.length > 1 ? "/…" : ""}` +
      (url.search ? "?…" : "");
  } catch {
    return "(invalid URL)";
  }
}

/**
 * Before a send with private addresses refused: resolves the host name and returns why the
 * send must not happen (a private address), or null when it may.
 *
 * @example
 * ```ts
 * const refusal = await privateTargetRefusal(url);
 * if (refusal) return failedOutcome(refusal);
 * ```
 */
export async function privateTargetRefusal(raw: string): Promise<string | null> {
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isPrivateHostName(host)) return "the URL points at a private address (refused by policy)";
  if (ipv4Parts(host) || ipv6Groups(host)) return null;
  const addresses: string[] = [];
  for (const type of ["A", "AAAA"] as const) {
    try {
      addresses.push(...await Deno.resolveDns(host, type));
    } catch {
      // No record of this type; the other may exist. Fetch reports an unknown host itself.
    }
  }
  const bad = addresses.find(isPrivateAddress);
  return bad ? `${url.host} resolves to a private address (refused by policy)` : null;
}
