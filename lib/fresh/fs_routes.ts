/**
 * File-system routing: turns `routes/` file names into Hono patterns, sorts
 * them by Fresh's precedence and finds each route's layouts and middleware.
 * Pure functions over paths, so every rule is testable without a server.
 */

/** One URL segment of a route file. */
export type Segment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string }
  | { kind: "optional"; name: string }
  | { kind: "rest"; name: string };

export type RouteFileKind = "route" | "app" | "layout" | "middleware" | "404" | "500";

/** A classified file under `routes/`. */
export interface RouteFile {
  /** Manifest key, e.g. `./routes/(console)/hosts/[hostId].tsx`. */
  file: string;
  kind: RouteFileKind;
  /** Folders between `routes/` and the file, groups included. */
  dirs: string[];
  /** URL segments (groups and a trailing `index` dropped); routes only. */
  segments: Segment[];
}

const ROUTE_EXT = /\.(tsx|ts|jsx|js)$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SPECIAL: Record<string, RouteFileKind> = {
  _app: "app",
  _layout: "layout",
  _middleware: "middleware",
  _404: "404",
  _500: "500",
};

/** An error in the shape of `routes/`; the message says how to fix it. */
export class RouteTreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RouteTreeError";
  }
}

/** True for a `(group)` folder name. */
export const isGroup = (dir: string): boolean => /^\([^)]+\)$/.test(dir);

/** Whether the manifest walker should skip a path relative to `routes/`. */
export function isIgnoredRoutePath(rel: string): boolean {
  const parts = rel.split("/");
  const base = parts.at(-1)!;
  return !ROUTE_EXT.test(base) ||
    /(_test|\.test)\.(tsx|ts|jsx|js)$/.test(base) ||
    parts.some((p) => p.startsWith(".")) ||
    parts.slice(0, -1).some((p) => /^\(_.*\)$/.test(p));
}

function parseSegment(raw: string, file: string): Segment {
  const fail = (why: string) =>
    new RouteTreeError(`${file}: segment "${raw}" ${why}. Use [name], [[name]] or [...name].`);
  if (!raw.includes("[") && !raw.includes("]")) return { kind: "static", value: raw };
  let m = /^\[\[([^\[\]]+)\]\]$/.exec(raw);
  if (m) {
    if (!PARAM_NAME.test(m[1])) throw fail("has an invalid parameter name");
    return { kind: "optional", name: m[1] };
  }
  m = /^\[\.\.\.([^\[\]]+)\]$/.exec(raw);
  if (m) {
    if (!PARAM_NAME.test(m[1])) throw fail("has an invalid parameter name");
    return { kind: "rest", name: m[1] };
  }
  m = /^\[([^\[\]]+)\]$/.exec(raw);
  if (m) {
    if (!PARAM_NAME.test(m[1])) throw fail("has an invalid parameter name");
    return { kind: "param", name: m[1] };
  }
  throw fail("mixes brackets with text (partial-segment params are not supported)");
}

/**
 * Classifies a manifest key such as `./routes/hosts/[hostId].tsx`.
 *
 * @example
 * ```ts
 * parseRouteFile("./routes/(console)/hosts/index.tsx").segments
 * // [{ kind: "static", value: "hosts" }]
 * ```
 */
export function parseRouteFile(file: string): RouteFile {
  const rel = file.replace(/^\.\/routes\//, "");
  if (rel === file) throw new RouteTreeError(`${file}: route files must live under ./routes/`);
  const parts = rel.replace(ROUTE_EXT, "").split("/");
  const name = parts.pop()!;
  const dirs = parts;
  const special = SPECIAL[name];
  if (special) {
    if ((special === "app" || special === "404" || special === "500") && dirs.length > 0) {
      throw new RouteTreeError(`${file}: ${name} is only allowed at the root of routes/.`);
    }
    return { file, kind: special, dirs, segments: [] };
  }
  if (name.startsWith("_")) {
    throw new RouteTreeError(
      `${file}: unknown special file "${name}". Known: ${Object.keys(SPECIAL).join(", ")}.`,
    );
  }
  const raw = [...dirs.filter((d) => !isGroup(d)), ...(name === "index" ? [] : [name])];
  const segments = raw.map((s) => parseSegment(s, file));
  const restAt = segments.findIndex((s) => s.kind === "rest");
  if (restAt !== -1 && restAt !== segments.length - 1) {
    throw new RouteTreeError(`${file}: a [...catch-all] segment must be the last one.`);
  }
  return { file, kind: "route", dirs, segments };
}

/**
 * Hono patterns for a route: a catch-all also registers its bare prefix,
 * because `:rest{.+}` does not match an empty remainder.
 *
 * @example
 * ```ts
 * honoPatterns(parseRouteFile("./routes/files/[...path].tsx").segments)
 * // ["/files/:path{.+}", "/files"]
 * ```
 */
export function honoPatterns(segments: Segment[]): string[] {
  const parts = segments.map((s) => {
    switch (s.kind) {
      case "static":
        return s.value;
      case "param":
        return `:${s.name}`;
      case "optional":
        return `:${s.name}?`;
      case "rest":
        return `:${s.name}{.+}`;
    }
  });
  const main = "/" + parts.join("/");
  if (segments.at(-1)?.kind !== "rest") return [main];
  return [main, "/" + parts.slice(0, -1).join("/")];
}

/** A canonical string used to detect two files on one pattern. */
export function patternKey(segments: Segment[]): string {
  return "/" + segments.map((s) => s.kind === "static" ? s.value : `<${s.kind}>`).join("/");
}

const RANK = { end: 0, static: 1, param: 2, optional: 3, rest: 4 } as const;

/**
 * Fresh precedence: at the first position where two routes differ, the more
 * specific one first (route ends here, static, param, optional, rest).
 */
export function compareRoutes(a: Segment[], b: Segment[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i], y = b[i];
    const rx = x ? RANK[x.kind] : RANK.end, ry = y ? RANK[y.kind] : RANK.end;
    if (rx !== ry) return rx - ry;
    if (x?.kind === "static" && y?.kind === "static" && x.value !== y.value) {
      return x.value < y.value ? -1 : 1;
    }
  }
  return 0;
}

/**
 * Validates a whole route tree and returns its routes in registration order.
 * Throws on two files that map to one URL.
 */
export function sortRoutes(files: RouteFile[]): RouteFile[] {
  const routes = files.filter((f) => f.kind === "route");
  const seen = new Map<string, string>();
  for (const r of routes) {
    const key = patternKey(r.segments);
    const other = seen.get(key);
    if (other) {
      throw new RouteTreeError(
        `${other} and ${r.file} both answer ${key}: rename or remove one of them.`,
      );
    }
    seen.set(key, r.file);
  }
  return routes.sort((a, b) => compareRoutes(a.segments, b.segments) || (a.file < b.file ? -1 : 1));
}

/** True when folder path `dir` is `ancestor` or lies below it. */
function isWithin(dir: string[], ancestor: string[]): boolean {
  return ancestor.length <= dir.length && ancestor.every((d, i) => dir[i] === d);
}

/** The `_layout` files that wrap a route, outer to inner. */
export function layoutsFor(route: RouteFile, files: RouteFile[]): RouteFile[] {
  return files
    .filter((f) => f.kind === "layout" && isWithin(route.dirs, f.dirs))
    .sort((a, b) => a.dirs.length - b.dirs.length);
}

/**
 * Middleware applied with `app.use`: folders without a group in their path.
 * Returns `[honoPath, file]` pairs, outer to inner.
 */
export function prefixMiddleware(files: RouteFile[]): Array<{ path: string; file: RouteFile }> {
  return files
    .filter((f) => f.kind === "middleware" && !f.dirs.some(isGroup))
    .sort((a, b) => a.dirs.length - b.dirs.length || (a.file < b.file ? -1 : 1))
    .map((file) => {
      if (file.dirs.length === 0) return { path: "*", file };
      const prefix = honoPatterns(file.dirs.map((d) => parseSegment(d, file.file)))[0];
      return { path: `${prefix}/*`, file };
    });
}

/**
 * Middleware composed into one route's dispatcher: those in a folder whose path
 * has a `(group)` and that contains the route. Outer to inner.
 */
export function groupMiddlewareFor(route: RouteFile, files: RouteFile[]): RouteFile[] {
  return files
    .filter((f) => f.kind === "middleware" && f.dirs.some(isGroup) && isWithin(route.dirs, f.dirs))
    .sort((a, b) => a.dirs.length - b.dirs.length);
}
