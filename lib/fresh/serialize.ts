/**
 * Island props serialization (design §4.3, §4.5).
 *
 * All islands of one page are serialized in ONE devalue call, so an object or signal passed to two
 * islands is one object in the browser: that is how islands share state. The output is a JavaScript
 * literal that is safe inside an inline `<script>`.
 *
 * @module
 */
import { Computed, computed, Signal, signal } from "@preact/signals-core";
import { DevalueError, stringify, unflatten } from "devalue";

type Reducer = (value: unknown) => false | [unknown];

/**
 * devalue tries reducers in insertion order: `Computed` extends `Signal`, so it must come first or
 * a computed signal would arrive writable. `peek()` reads without subscribing the SSR render.
 */
const reducers: Record<string, Reducer> = {
  Computed: (v) => v instanceof Computed && [v.peek()],
  Signal: (v) => v instanceof Signal && [v.peek()],
};

/** The inverse of {@link reducers}; a computed arrives read-only (writing `.value` throws). */
const revivers: Record<string, (value: [unknown]) => unknown> = {
  Signal: ([v]) => signal(v),
  Computed: ([v]) => computed(() => v),
};

/**
 * devalue already escapes `<`, U+2028 and U+2029 inside every string and key it writes. This pass
 * is a cheap guarantee that stays true if devalue ever changes: all three can only occur inside
 * JSON string literals, where the `\uXXXX` form is always valid, so neither `</script>` nor `<!--`
 * can end or confuse the script element.
 */
const UNSAFE_FOR_SCRIPT = /[<\u2028\u2029]/g;
const SCRIPT_ESCAPES: Record<string, string> = {
  "<": "\\u003C",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * Serializes the props of every island rendered on a page, in render order, into one devalue
 * payload that is a valid JavaScript expression and safe to inline in a `<script>` element.
 *
 * Throws when a prop cannot reach the browser: JSX (see {@link assertNoJsx}), functions, symbols
 * and class instances. The error names the island and the prop path.
 *
 * @example
 * ```ts
 * const count = signal(1);
 * const data = serializeIslandProps(["Counter", "Display"], [{ count }, { count }]);
 * // data === '[[1,5],{"count":2},["Signal",3],[4],1,{"count":2}]' (one signal, referenced twice)
 * const script = `boot({ Counter, Display }, ${data});`;
 * ```
 */
export function serializeIslandProps(names: string[], all: Record<string, unknown>[]): string {
  if (names.length !== all.length) {
    throw new Error(
      `serializeIslandProps: got ${names.length} island names for ${all.length} props objects; ` +
        "pass one name per rendered island, in render order.",
    );
  }
  all.forEach((props, i) => assertNoJsx(names[i], props));
  let out: string;
  try {
    out = stringify(all, reducers);
  } catch (e) {
    if (!(e instanceof DevalueError)) throw e;
    const index = /^\[(\d+)\]/.exec(e.path);
    const island = index ? names[Number(index[1])] : "?";
    const path = propPath(e.path);
    throw new Error(
      `Island "${island}" prop ${path}: ${e.message}. Only data can reach the browser.`,
      { cause: e },
    );
  }
  return out.replace(UNSAFE_FOR_SCRIPT, (c) => SCRIPT_ESCAPES[c]);
}

/** `[1].rows[0].onSave` → `rows[0].onSave`: drops the island index devalue puts first. */
function propPath(devaluePath: string): string {
  const rest = devaluePath.replace(/^\[\d+\]/, "").replace(/^\./, "");
  return rest === "" ? "(props)" : rest;
}

/**
 * Revives a payload made by {@link serializeIslandProps} (already parsed as a JavaScript value, as
 * the boot script passes it) into one props object per island. Call it once per page so shared
 * references and signals keep their identity.
 *
 * @example
 * ```ts
 * const [a, b] = reviveIslandProps([[1, 5], { count: 2 }, ["Signal", 3], [4], 1, { count: 2 }]);
 * a.count === b.count; // true: one signal
 * ```
 */
export function reviveIslandProps(data: unknown): Record<string, unknown>[] {
  const all = unflatten(data as number | unknown[], revivers);
  if (!Array.isArray(all)) {
    throw new Error(
      "Island props payload is not an array: it must come from serializeIslandProps().",
    );
  }
  return all as Record<string, unknown>[];
}

/**
 * Throws when an island prop (children included) is server JSX: a Preact vnode, or an array
 * holding one at any depth. Vnodes hold functions and cannot be serialized; slots are not
 * supported in version 1. Text children pass. Nested vnodes inside plain objects are caught too,
 * because devalue would otherwise serialize an element vnode as a meaningless plain object.
 *
 * @example
 * ```ts
 * assertNoJsx("HostCard", { children: "Save" });      // ok
 * assertNoJsx("HostCard", { children: <b>Save</b> }); // throws: prop "children" is JSX
 * ```
 */
export function assertNoJsx(island: string, props: Record<string, unknown>): void {
  const seen = new Set<unknown>();
  for (const [key, value] of Object.entries(props)) {
    const found = findJsx(value, key, seen);
    if (found !== null) {
      // `children` holding a vnode in (nested) arrays is reported as the prop itself (§4.5).
      const path = /^[^.[]*(\[\d+\])*$/.test(found) ? key : found;
      throw new Error(
        `Island "${island}": prop "${path}" is JSX. Islands cannot receive server JSX in this ` +
          "project; render it inside the island or pass data.",
      );
    }
  }
}

/** Depth-first search for a vnode in arrays, plain objects, Maps and Sets; returns its path. */
function findJsx(value: unknown, path: string, seen: Set<unknown>): string | null {
  if (typeof value !== "object" || value === null || seen.has(value)) return null;
  if (isVNode(value)) return path;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findJsx(value[i], `${path}[${i}]`, seen);
      if (found !== null) return found;
    }
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      const found = findJsx(v, `${path}.get(${String(k)})`, seen);
      if (found !== null) return found;
    }
  } else if (value instanceof Set) {
    for (const v of value) {
      const found = findJsx(v, `${path}.<Set item>`, seen);
      if (found !== null) return found;
    }
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const key = /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
      const found = findJsx(v, path + key, seen);
      if (found !== null) return found;
    }
  }
  return null;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Preact 10 vnodes are object literals with an own `constructor: undefined` (that is what
 * `isValidElement` checks). Requiring the own property plus `type` and `props` keeps
 * null-prototype data objects (e.g. `node:sqlite` rows) from looking like JSX.
 */
function isVNode(value: object): boolean {
  return Object.hasOwn(value, "constructor") &&
    (value as { constructor: unknown }).constructor === undefined &&
    "type" in value && "props" in value;
}
