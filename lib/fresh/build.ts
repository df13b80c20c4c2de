/**
 * Island bundling (design §5): ONE code-split `Deno.bundle` call for the browser runtime and every
 * island, so Preact and the signals core exist once per page. Outputs stay in memory; a content
 * hash over them is the `BUILD_ID` that scopes `/_app/<BUILD_ID>/` URLs.
 *
 * @module
 */
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { getMimeType } from "hono/utils/mime";

/** A bundled set of browser assets, served from memory under `/_app/<buildId>/`. */
export interface FreshBuild {
  /** 16 hex characters of SHA-256 over the sorted `"<relpath>\0<hash>"` lines of all outputs. */
  buildId: string;
  /** Output path of the browser runtime, e.g. `"lib/fresh/runtime/client.js"`. */
  runtime: string;
  /** Source path (relative to the root) → output path, e.g. `"islands/Counter.tsx"` → `"islands/Counter.js"`. */
  entries: Record<string, string>;
  /** Output path → its transitive static chunk imports (output paths), for `modulepreload`. */
  preload: Record<string, string[]>;
  /** Output path → bytes and content type. */
  files: Map<string, { contents: Uint8Array; contentType: string }>;
}

/** The on-disk form of a build's metadata: `_fresh/build.json`. */
interface BuildJson {
  version: 1;
  buildId: string;
  runtime: string;
  entries: Record<string, string>;
  preload: Record<string, string[]>;
  files: Record<string, string>; // output path → content type
}

const RUNTIME_SOURCE = fileURLToPath(new URL("./runtime/client.ts", import.meta.url));

/** Static imports in esbuild output, minified or not: `from "./x.js"`, `from"../x.js"`, `import"./x.js"`. */
const RELATIVE_IMPORT = /(?:\bfrom|\bimport)\s*"(\.{1,2}\/[^"]+)"/g;

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
};

/**
 * Bundles the browser runtime and the given islands in one code-split `Deno.bundle` call. It
 * resolves imports through `deno.json` exactly like the server. Nothing is written to disk.
 *
 * @example
 * ```ts
 * const build = await bundleIslands({
 *   root: new URL("../..", import.meta.url),
 *   islandFiles: ["islands/Counter.tsx"],
 *   mode: "production",
 * });
 * build.entries["islands/Counter.tsx"]; // "islands/Counter.js"
 * ```
 */
export async function bundleIslands(opts: {
  root: string | URL;
  islandFiles: string[];
  mode: "development" | "production";
}): Promise<FreshBuild> {
  if (typeof Deno.bundle !== "function") {
    throw new Error(
      'Deno.bundle is not available: add "bundle" to "unstable" in deno.json or run with --unstable-bundle.',
    );
  }
  const root = opts.root instanceof URL ? fileURLToPath(opts.root) : resolve(opts.root);
  const sources = [RUNTIME_SOURCE, ...opts.islandFiles.map((f) => resolve(root, f))];

  // esbuild names entry outputs relative to the lowest common directory of the entry points.
  // Placing the (never written) output directory at that directory's spot under a virtual root
  // makes output names relative to the project root, even for a build with no islands.
  const virtualRoot = join(root, "_fresh", ".bundle");
  const outbase = commonDir(sources);
  const baseRel = relative(root, outbase);
  const insideRoot = !baseRel.startsWith("..") && !isAbsolute(baseRel);
  const outputDir = insideRoot ? join(virtualRoot, baseRel) : virtualRoot;

  const production = opts.mode === "production";
  // Deno.bundle reads deno.json (import map, JSX settings) from the directory the process
  // started in; `deno task` always starts in the project root.
  if (resolve(Deno.cwd()) !== root) {
    throw new Error(
      `Bundling islands needs ${root} as the working directory (Deno.bundle reads deno.json ` +
        "from it): run `deno task start` there, or `deno task build` and APP_ENV=production.",
    );
  }
  const result = await Deno.bundle({
    entrypoints: sources,
    outputDir,
    platform: "browser",
    format: "esm",
    codeSplitting: true,
    minify: production,
    sourcemap: production ? undefined : "linked",
    write: false,
  });
  if (!result.success || !result.outputFiles) {
    throw new Error(
      `Bundling islands failed; fix these errors and rebuild:\n${formatMessages(result.errors)}`,
    );
  }

  const files: FreshBuild["files"] = new Map();
  const hashes: string[] = [];
  for (const file of result.outputFiles) {
    const rel = toPosix(relative(virtualRoot, file.path));
    const contents = file.contents ?? new TextEncoder().encode(file.text());
    files.set(rel, { contents, contentType: contentTypeOf(rel) });
    hashes.push(`${rel}\0${file.hash}`);
  }

  const entries: Record<string, string> = {};
  for (const source of sources) {
    const out = toPosix(relative(outbase, source)).replace(/\.[cm]?[jt]sx?$/, ".js");
    const outRel = insideRoot ? posix.join(toPosix(baseRel), out) : out;
    if (!files.has(outRel)) {
      throw new Error(
        `Bundling produced no output for ${source} (expected ${outRel}); ` +
          `outputs: ${[...files.keys()].join(", ")}`,
      );
    }
    entries[toPosix(relative(root, source))] = outRel;
  }

  return {
    buildId: await buildIdOf(hashes),
    runtime: entries[toPosix(relative(root, RUNTIME_SOURCE))],
    entries,
    preload: chunkGraph(files),
    files,
  };
}

/** The deepest directory containing every path. */
function commonDir(paths: string[]): string {
  let parts = dirname(paths[0]).split(sep);
  for (const p of paths.slice(1)) {
    const other = dirname(p).split(sep);
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}

function toPosix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

function contentTypeOf(path: string): string {
  const ext = posix.extname(path);
  return CONTENT_TYPES[ext] ?? getMimeType(path) ?? "application/octet-stream";
}

/** Deno's messages carry ANSI colours and sometimes a location; keep both readable. */
function formatMessages(messages: Deno.bundle.Message[]): string {
  // deno-lint-ignore no-control-regex
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  return messages.map((m) => {
    const loc = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : "";
    return `  ${loc}${plain(m.text)}`;
  }).join("\n");
}

/** First 16 hex characters of SHA-256 over the sorted `"<relpath>\0<hash>"` lines. */
async function buildIdOf(lines: string[]): Promise<string> {
  const text = lines.sort().join("\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex().slice(0, 16);
}

/** For every `.js` output, its transitive static imports of other outputs, in discovery order. */
function chunkGraph(files: FreshBuild["files"]): Record<string, string[]> {
  const direct = new Map<string, string[]>();
  const decoder = new TextDecoder();
  for (const [path, { contents }] of files) {
    if (!path.endsWith(".js")) continue;
    const deps: string[] = [];
    for (const m of decoder.decode(contents).matchAll(RELATIVE_IMPORT)) {
      const dep = posix.normalize(posix.join(posix.dirname(path), m[1]));
      if (files.has(dep) && !deps.includes(dep)) deps.push(dep); // ignore look-alikes in strings
    }
    direct.set(path, deps);
  }
  const preload: Record<string, string[]> = {};
  for (const path of direct.keys()) {
    const seen = new Set<string>();
    const queue = [...direct.get(path)!];
    while (queue.length > 0) {
      const dep = queue.shift()!;
      if (seen.has(dep) || dep === path) continue;
      seen.add(dep);
      queue.push(...(direct.get(dep) ?? []));
    }
    preload[path] = [...seen];
  }
  return preload;
}

/**
 * Writes a build to `<outDir>/static/_app/<buildId>/…` and `<outDir>/build.json`, replacing any
 * previous build there. `build.json` is written last, so a half-written build is never loaded.
 *
 * @example
 * ```ts
 * await writeBuild(build, "_fresh");
 * ```
 */
export async function writeBuild(build: FreshBuild, outDir: string): Promise<void> {
  const appDir = join(outDir, "static", "_app");
  await Deno.remove(join(outDir, "build.json")).catch(ignoreNotFound);
  await Deno.remove(appDir, { recursive: true }).catch(ignoreNotFound);
  const files: Record<string, string> = {};
  for (const [path, { contents, contentType }] of build.files) {
    const target = join(appDir, build.buildId, ...path.split("/"));
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.writeFile(target, contents);
    files[path] = contentType;
  }
  const json: BuildJson = {
    version: 1,
    buildId: build.buildId,
    runtime: build.runtime,
    entries: { ...build.entries },
    preload: build.preload,
    files,
  };
  await Deno.writeTextFile(join(outDir, "build.json"), JSON.stringify(json, null, 2) + "\n");
}

function ignoreNotFound(e: unknown): void {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
}

/**
 * Loads a build written by {@link writeBuild} into memory (production startup).
 *
 * @example
 * ```ts
 * const build = await loadBuild("_fresh"); // throws "no build found: run `deno task build`"
 * ```
 */
export async function loadBuild(outDir: string): Promise<FreshBuild> {
  let json: BuildJson;
  try {
    json = JSON.parse(await Deno.readTextFile(join(outDir, "build.json")));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error("no build found: run `deno task build`", { cause: e });
    }
    throw new Error(`${outDir}/build.json is unreadable: run \`deno task build\` again`, {
      cause: e,
    });
  }
  if (json.version !== 1 || typeof json.buildId !== "string") {
    throw new Error(`${outDir}/build.json has an unknown format: run \`deno task build\` again`);
  }
  const files: FreshBuild["files"] = new Map();
  for (const [path, contentType] of Object.entries(json.files)) {
    const source = join(outDir, "static", "_app", json.buildId, ...path.split("/"));
    try {
      files.set(path, { contents: await Deno.readFile(source), contentType });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new Error(
        `build ${json.buildId} is incomplete (${source} is missing): run \`deno task build\``,
      );
    }
  }
  return {
    buildId: json.buildId,
    runtime: json.runtime,
    entries: json.entries,
    preload: json.preload,
    files,
  };
}

/**
 * A build for handler tests: `buildId` `"test"`, no files, no bundling. Its `entries` answers any
 * island source path (`"islands/X.tsx"` or `"./islands/X.tsx"`) with `"islands/X.js"`.
 *
 * @example
 * ```ts
 * const build = stubBuild();
 * build.entries["./islands/charts/Uptime.tsx"]; // "islands/charts/Uptime.js"
 * ```
 */
export function stubBuild(): FreshBuild {
  const outputOf = (key: string | symbol) =>
    typeof key === "string" && /\.[cm]?[jt]sx?$/.test(key)
      ? key.replace(/^\.\//, "").replace(/\.[cm]?[jt]sx?$/, ".js")
      : undefined;
  const entries = new Proxy({} as Record<string, string>, {
    get: (target, key) => Reflect.get(target, key) ?? outputOf(key),
    has: (target, key) => Reflect.has(target, key) || outputOf(key) !== undefined,
  });
  return {
    buildId: "test",
    runtime: "lib/fresh/runtime/client.js",
    entries,
    preload: {},
    files: new Map(),
  };
}

/**
 * The modules a page should `modulepreload`: the runtime, the given island outputs and all
 * their static chunks, without duplicates, direct imports first.
 *
 * @example
 * ```ts
 * preloadFor(build, ["islands/Counter.js"]);
 * // ["lib/fresh/runtime/client.js", "islands/Counter.js", "chunk-ABC.js", …]
 * ```
 */
export function preloadFor(build: FreshBuild, outputs: string[]): string[] {
  const direct = [build.runtime, ...outputs];
  const all = new Set(direct);
  for (const out of direct) {
    for (const dep of build.preload[out] ?? []) all.add(dep);
  }
  return [...all];
}
