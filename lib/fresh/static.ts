/**
 * Asset serving (design §5): build outputs under `/_app/<BUILD_ID>/` from memory, and files from
 * `static/` with validators and a cache policy per kind. `hono/deno`'s `serveStatic` is
 * deprecated and sets no caching headers, and `hono/etag` buffers whole bodies (SSE would hang).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { getMimeType } from "hono/utils/mime";
import { resolve, sep } from "node:path";
import type { FreshBuild } from "./build.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Serves `/_app/<buildId>/<file>` from the current build in memory. Another build id answers 404
 * with `no-store`, never the current file: a stale page must fail loudly rather than mix two
 * builds' chunks. Other paths go to `next()`.
 *
 * @example
 * ```ts
 * app.use(serveBuildAssets(() => build));
 * // GET /_app/<build.buildId>/islands/Counter.js → 200, immutable
 * ```
 */
export function serveBuildAssets(getBuild: () => FreshBuild, basePath = ""): MiddlewareHandler {
  const prefix = `${basePath.replace(/\/+$/, "")}/_app/`;
  return async (c, next) => {
    const path = c.req.path;
    if (!path.startsWith(prefix)) return await next();
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD") {
      return c.text("Method Not Allowed", 405, { Allow: "GET, HEAD" });
    }
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf("/");
    const build = getBuild();
    const file = slash > 0 && rest.slice(0, slash) === build.buildId
      ? build.files.get(rest.slice(slash + 1))
      : undefined;
    if (!file) return c.text("Not Found", 404, { "Cache-Control": "no-store" });

    // The URL carries the build id and each build's bytes never change, so the id is a strong tag.
    const etag = `"${build.buildId}"`;
    const headers = {
      "Cache-Control": IMMUTABLE,
      "Content-Type": file.contentType,
      ETag: etag,
    };
    if (etagMatches(c.req.header("If-None-Match"), etag)) return c.body(null, 304, headers);
    const length = { "Content-Length": String(file.contents.byteLength) };
    if (method === "HEAD") return c.body(null, 200, { ...headers, ...length });
    return c.body(file.contents as Uint8Array<ArrayBuffer>, 200, { ...headers, ...length });
  };
}

/** Longest file name (one path segment) Linux file systems take, in bytes (NAME_MAX). */
const MAX_NAME_BYTES = 255;
/** Longest relative path looked up, in bytes: well under Linux's PATH_MAX (4096) with the root. */
const MAX_PATH_BYTES = 3072;
const encoder = new TextEncoder();

/**
 * Serves files under `dir` (the project's `static/`) for GET and HEAD, with a weak ETag from size
 * and mtime and `Cache-Control: no-cache`; `?v=<current build id>` (see {@link asset}) makes the
 * response `immutable`. Missing files, directories and dot-files fall through to `next()` so
 * routes can answer; other methods on an existing file get 405. Paths that try to leave `dir`
 * (`..`, encoded slashes, backslashes, NUL) get 404.
 *
 * @example
 * ```ts
 * app.use(serveStaticDir("./static", { buildId: () => build.buildId }));
 * ```
 */
export function serveStaticDir(
  dir: string,
  opts: { buildId: () => string; basePath?: string },
): MiddlewareHandler {
  const root = resolve(dir);
  const base = (opts.basePath ?? "").replace(/\/+$/, "");
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (base && !url.pathname.startsWith(base + "/")) return await next();
    const rel = url.pathname.slice(base.length);
    // No static file lives under /api/: skip the disk lookup on the hottest paths (ingest).
    if (rel === "/api" || rel.startsWith("/api/")) return await next();
    const segments = decodeSegments(rel);
    if (segments === "reject") return c.text("Not Found", 404);
    if (segments.length === 0 || segments.some((s) => s.startsWith("."))) return await next();
    // A name longer than the file system allows is no static file (stat would fail with
    // ENAMETOOLONG, a 500 for anyone who sends a long URL).
    if (segments.some((s) => encoder.encode(s).byteLength > MAX_NAME_BYTES)) return await next();
    // Nor is a path longer than the file system takes as a whole (PATH_MAX), however short its
    // parts: stat would fail with ENAMETOOLONG.
    if (encoder.encode(segments.join("/")).byteLength > MAX_PATH_BYTES) return await next();

    const file = resolve(root, ...segments);
    if (!file.startsWith(root + sep)) return c.text("Not Found", 404); // belt and braces
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return await next();
      }
      throw e;
    }
    if (!info.isFile) return await next();

    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD") {
      return c.text("Method Not Allowed", 405, { Allow: "GET, HEAD" });
    }
    const etag = `W/"${info.size.toString(16)}-${(info.mtime?.getTime() ?? 0).toString(16)}"`;
    const v = url.searchParams.get("v");
    const headers = {
      "Cache-Control": v !== null && v === opts.buildId() ? IMMUTABLE : "no-cache",
      ETag: etag,
    };
    if (etagMatches(c.req.header("If-None-Match"), etag)) return c.body(null, 304, headers);

    const full = {
      ...headers,
      "Content-Type": getMimeType(file) ?? "application/octet-stream",
      "Content-Length": String(info.size),
    };
    if (method === "HEAD") return c.body(null, 200, full);
    const handle = await Deno.open(file, { read: true });
    return c.body(handle.readable, 200, full); // the stream closes the file when done or cancelled
  };
}

/**
 * Splits a raw URL path and decodes each segment; `"reject"` for anything that could escape the
 * directory once decoded (`..`, `/` or `\` inside a segment, NUL) or is not valid UTF-8.
 */
function decodeSegments(rawPath: string): string[] | "reject" {
  const out: string[] = [];
  for (const raw of rawPath.split("/")) {
    if (raw === "") continue;
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return "reject";
    }
    if (s === ".." || s === "." || /[\\/\0]/.test(s)) return "reject";
    out.push(s);
  }
  return out;
}

/** RFC 9110 weak comparison: `W/` is ignored; `*` matches any current representation. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, "");
  const want = strip(etag);
  return header.split(",").some((t) => t.trim() === "*" || strip(t) === want);
}

/**
 * A cache-busting URL for a file in `static/`: immutable while the build lasts.
 *
 * @example
 * ```ts
 * asset("/logo.svg", build.buildId); // "/logo.svg?v=3f2a9c0d1e4b5a67"
 * ```
 */
export function asset(path: string, buildId: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}v=${encodeURIComponent(buildId)}`;
}
