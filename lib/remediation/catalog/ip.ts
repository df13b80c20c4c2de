/**
 * A strict IP address / CIDR parser for values that end up in a job's argv (`block-ip`) and for
 * the self-lockout guard. Strict means: dotted-quad IPv4 without leading zeros, IPv6 with 1–4 hex
 * digits per group and at most one `::`, no zone ids (`%eth0`), no brackets, no whitespace. Every
 * accepted value has one canonical text (RFC 5952 for IPv6), so the same address always yields
 * the same argv and the same plan hash.
 *
 * @module
 */

/** A parsed address or network. */
export interface IpNet {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  /** Prefix length: 32 / 128 for a single address. */
  prefix: number;
  /** Canonical text: the address, plus `/prefix` when it is a network. */
  canonical: string;
}

/** What an address is, for the block-ip refusal rules. */
export type AddressClass =
  | "public"
  | "private"
  | "link_local"
  | "loopback"
  | "unspecified"
  | "multicast"
  | "reserved"
  | "v4_mapped";

const V4_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const V4_RE = new RegExp(`^${V4_OCTET}(?:\\.${V4_OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

function parseV4(text: string): Uint8Array | null {
  if (!V4_RE.test(text)) return null;
  return Uint8Array.from(text.split(".").map(Number));
}

function parseV6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseV4(piece);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (HEX_GROUP.test(piece)) out.push(parseInt(piece, 16));
      else return null;
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return null;
  // An embedded IPv4 part is only allowed at the very end.
  if (halves.length === 2 && halves[0].includes(".")) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** RFC 5952 text of 16 bytes: lowercase, no leading zeros, longest zero run (≥ 2) as `::`. */
function formatV6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

function formatAddress(family: 4 | 6, bytes: Uint8Array): string {
  return family === 4 ? Array.from(bytes).join(".") : formatV6(bytes);
}

function hostBitsZero(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if (bytes[bit >> 3] & (0x80 >> (bit & 7))) return false;
  }
  return true;
}

/**
 * Parses one address (`203.0.113.7`, `2001:DB8::1`) or network (`198.51.100.0/24`). Returns
 * `null` for anything not strictly well-formed, and for networks with host bits set (the
 * canonical network form is the only accepted spelling).
 *
 * @example
 * ```ts
 * parseIpNet("2001:DB8:0:0::1")?.canonical; // "2001:db8::1"
 * parseIpNet("198.51.100.0/24")?.prefix;    // 24
 * parseIpNet("010.0.0.1");                  // null (leading zero)
 * ```
 */
export function parseIpNet(text: string): IpNet | null {
  if (typeof text !== "string" || text.length === 0 || text.length > 49) return null;
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  const v4 = parseV4(addrText);
  const family: 4 | 6 = v4 ? 4 : 6;
  const bytes = v4 ?? parseV6(addrText);
  if (!bytes) return null;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== null) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > max) return null;
    if (!hostBitsZero(bytes, prefix)) return null;
  }
  const address = formatAddress(family, bytes);
  return { family, bytes, prefix, canonical: prefix === max ? address : `${address}/${prefix}` };
}

/**
 * A single address (no prefix) as its canonical text, IPv4-mapped IPv6 (`::ffff:a.b.c.d`) turned
 * into plain IPv4 so a requester seen through a dual-stack socket compares equal; `null` when
 * not an address.
 *
 * @example
 * ```ts
 * canonicalIp("::FFFF:203.0.113.7"); // "203.0.113.7"
 * ```
 */
export function canonicalIp(text: string): string | null {
  const net = parseIpNet(typeof text === "string" ? text.trim() : "");
  if (!net || net.prefix !== (net.family === 4 ? 32 : 128)) return null;
  const mapped = unmapV4(net);
  return mapped ? mapped.canonical : net.canonical;
}

function unmapV4(net: IpNet): IpNet | null {
  if (net.family !== 6 || net.prefix < 96) return null;
  const b = net.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return null;
  if (b[10] !== 0xff || b[11] !== 0xff) return null;
  const v4 = b.slice(12);
  const prefix = net.prefix - 96;
  const address = Array.from(v4).join(".");
  return {
    family: 4,
    bytes: v4,
    prefix,
    canonical: prefix === 32 ? address : `${address}/${prefix}`,
  };
}

/**
 * Whether `net` contains the address `ip` (both parsed; IPv4-mapped IPv6 counts as IPv4).
 *
 * @example
 * ```ts
 * netContains(parseIpNet("198.51.100.0/24")!, parseIpNet("198.51.100.9")!); // true
 * ```
 */
export function netContains(net: IpNet, ip: IpNet): boolean {
  const n = unmapV4(net) ?? net;
  const a = unmapV4(ip) ?? ip;
  if (n.family !== a.family) return false;
  for (let bit = 0; bit < n.prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((n.bytes[bit >> 3] & mask) !== (a.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}

const V4_CLASSES: ReadonlyArray<[string, AddressClass]> = [
  ["0.0.0.0/8", "unspecified"],
  ["127.0.0.0/8", "loopback"],
  ["10.0.0.0/8", "private"],
  ["172.16.0.0/12", "private"],
  ["192.168.0.0/16", "private"],
  ["100.64.0.0/10", "private"],
  ["169.254.0.0/16", "link_local"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
];

const V6_CLASSES: ReadonlyArray<[string, AddressClass]> = [
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["::ffff:0:0/96", "v4_mapped"],
  ["fc00::/7", "private"],
  ["fe80::/10", "link_local"],
  ["ff00::/8", "multicast"],
];

const CLASS_NETS = [...V4_CLASSES, ...V6_CLASSES].map(([text, cls]) => {
  const net = parseIpNet(text);
  if (!net) throw new Error(`bad class net ${text}`);
  return { net, cls };
});

/**
 * The class of an address or network (by its first address). Documentation ranges (192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) count as `public`: the agent fixtures use them
 * as placeholders for real public addresses.
 *
 * @example
 * ```ts
 * addressClass(parseIpNet("10.1.2.3")!); // "private"
 * ```
 */
export function addressClass(net: IpNet): AddressClass {
  const first: IpNet = {
    ...net,
    prefix: net.family === 4 ? 32 : 128,
    canonical: formatAddress(net.family, net.bytes),
  };
  for (const { net: range, cls } of CLASS_NETS) {
    if (range.family === net.family && netContains(range, first) && range.prefix <= net.prefix) {
      return cls;
    }
  }
  // A wide IPv6 network starting at `::` (e.g. `::/64`) still holds loopback and mapped space.
  if (net.family === 6 && net.bytes.every((b) => b === 0)) return "unspecified";
  return "public";
}
