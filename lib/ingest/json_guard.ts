/**
 * Structural limits for untrusted JSON, checked after `JSON.parse` and before anything else
 * (zod, storage, `JSON.stringify`) touches the value. The walk is iterative, so a 10,000-level
 * body cannot overflow the stack here, and it stops at the first problem in document order.
 */

/** Limits applied to every ingest body (agent-protocol §1.10, hardening beyond the spec). */
export const JSON_LIMITS = {
  /** Containers nested deeper than this are refused; real agent payloads nest about 6 deep. */
  maxDepth: 64,
  /** The agent caps its lists at 50; 10,000 leaves room for hand-made payloads. */
  maxArrayLength: 10_000,
  /** 256 KiB, in UTF-16 code units (keys and values). */
  maxStringLength: 256 * 1024,
} as const;

/** The `expected` text of a too-deep issue. */
function depthExpected(maxDepth: number): string {
  return `nesting of at most ${maxDepth} levels`;
}

/** `expected` for nesting beyond `JSON_LIMITS.maxDepth`. */
export const DEPTH_EXPECTED = depthExpected(JSON_LIMITS.maxDepth);

/** Keys that would pollute a prototype if anything downstream copied them with `obj[k] = v`. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** One structural problem: where, and what was expected there. */
export interface JsonGuardIssue {
  path: string;
  expected: string;
}

type PathPart = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Keys in a path are shortened so an error message stays readable whatever the payload holds. */
const MAX_KEY_IN_PATH = 64;
const MAX_PATH_CHARS = 300;

/**
 * Renders a JSON path the way clients read it: `alerts[3].severity`,
 * `self_integrity["/usr/local/bin/vps-sentry"]`; `(body)` for the root.
 *
 * @example
 * ```ts
 * formatPath(["alerts", 3, "severity"]) // "alerts[3].severity"
 * ```
 */
export function formatPath(parts: readonly PathPart[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const key = part.length > MAX_KEY_IN_PATH ? `${part.slice(0, MAX_KEY_IN_PATH)}…` : part;
      out += IDENTIFIER.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
    if (out.length > MAX_PATH_CHARS) return `${out.slice(0, MAX_PATH_CHARS)}…`;
  }
  return out || "(body)";
}

/** A value still to visit; paths are linked to the parent and only materialised on error. */
interface Frame {
  value: unknown;
  depth: number;
  key: PathPart | null;
  parent: Frame | null;
}

function pathOf(frame: Frame, extra?: PathPart): string {
  const parts: PathPart[] = extra === undefined ? [] : [extra];
  for (let f: Frame | null = frame; f && f.key !== null; f = f.parent) parts.push(f.key);
  return formatPath(parts.reverse());
}

/**
 * The first structural problem in `value`, or `null`: nesting deeper than 64, arrays longer than
 * 10,000 elements, strings or keys longer than 256 KiB, or a `__proto__` / `constructor` /
 * `prototype` key anywhere.
 *
 * @example
 * ```ts
 * checkJsonLimits(JSON.parse('{"a":{"__proto__":{}}}'))
 * // { path: 'a["__proto__"]', expected: "no __proto__, constructor or prototype keys" }
 * ```
 */
export function checkJsonLimits(
  value: unknown,
  limits: { maxDepth: number; maxArrayLength: number; maxStringLength: number } = JSON_LIMITS,
): JsonGuardIssue | null {
  // Depth counts containers: the root object is depth 1.
  const stack: Frame[] = [{ value, depth: 1, key: null, parent: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value: v, depth } = frame;
    if (typeof v === "string") {
      if (v.length > limits.maxStringLength) {
        return {
          path: pathOf(frame),
          expected: `a string of at most ${limits.maxStringLength} characters`,
        };
      }
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (depth > limits.maxDepth) {
      return { path: pathOf(frame), expected: depthExpected(limits.maxDepth) };
    }
    if (Array.isArray(v)) {
      if (v.length > limits.maxArrayLength) {
        return {
          path: pathOf(frame),
          expected: `an array of at most ${limits.maxArrayLength} elements`,
        };
      }
      // Pushed in reverse so the pop order is document order and the first issue is reported.
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i], depth: depth + 1, key: i, parent: frame });
      }
      continue;
    }
    const keys = Object.keys(v);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) {
        return {
          path: pathOf(frame, key),
          expected: "no __proto__, constructor or prototype keys",
        };
      }
      if (key.length > limits.maxStringLength) {
        return {
          path: pathOf(frame, key),
          expected: `a key of at most ${limits.maxStringLength} characters`,
        };
      }
    }
    const record = v as Record<string, unknown>;
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push({ value: record[keys[i]], depth: depth + 1, key: keys[i], parent: frame });
    }
  }
  return null;
}

/** An open container while scanning text: its kind and the position of the current child. */
interface TextFrame {
  array: boolean;
  index: number;
  /** Raw `"…"` slice bounds of the current key (objects), decoded only for an error path. */
  keyStart: number;
  keyEnd: number;
}

function decodeKey(text: string, f: TextFrame): string {
  if (f.keyStart < 0) return "?";
  const raw = text.slice(f.keyStart, f.keyEnd + 1);
  try {
    return String(JSON.parse(raw));
  } catch {
    return raw;
  }
}

/**
 * The path of the first container nested deeper than `maxDepth` in JSON text, or `null`. A
 * linear scan of the text that builds nothing, so a megabyte of `[` is refused in milliseconds
 * instead of being materialised by `JSON.parse` first. It does not validate the JSON.
 *
 * @example
 * ```ts
 * scanNestingDepth('{"a":[[1]]}', 2) // "a[0]"
 * ```
 */
export function scanNestingDepth(
  text: string,
  maxDepth: number = JSON_LIMITS.maxDepth,
): string | null {
  const frames: TextFrame[] = [];
  let inString = false;
  let escaped = false;
  let strStart = -1;
  let strEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true; // backslash
      else if (c === 0x22) {
        inString = false;
        strEnd = i;
      }
      continue;
    }
    switch (c) {
      case 0x22: // "
        inString = true;
        strStart = i;
        break;
      case 0x7b: // {
      case 0x5b: // [
        if (frames.length >= maxDepth) {
          return formatPath(frames.map((f) => (f.array ? f.index : decodeKey(text, f))));
        }
        frames.push({ array: c === 0x5b, index: 0, keyStart: -1, keyEnd: -1 });
        break;
      case 0x7d: // }
      case 0x5d: // ]
        frames.pop();
        break;
      case 0x2c: { // ,
        const top = frames[frames.length - 1];
        if (top?.array) top.index++;
        else if (top) top.keyStart = -1;
        break;
      }
      case 0x3a: { // :
        const top = frames[frames.length - 1];
        if (top && !top.array) {
          top.keyStart = strStart;
          top.keyEnd = strEnd;
        }
        break;
      }
    }
  }
  return null;
}
