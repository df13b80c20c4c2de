/**
 * `deno task build`: bundles the browser runtime and every island of the manifest in production
 * mode and writes `_fresh/` (assets under `_fresh/static/_app/<BUILD_ID>/`, plus `build.json`),
 * which the production server loads at startup. Fails on a stale `fresh.gen.ts`, so the
 * bundle never misses an island the server would render.
 */
import { fileURLToPath } from "node:url";
import manifest from "../fresh.gen.ts";
import { bundleIslands, writeBuild } from "../lib/fresh/build.ts";
import { generateManifest } from "../lib/fresh/manifest.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${root}_fresh`;

/** Bytes of `data` after gzip, as browsers would fetch it with `Accept-Encoding: gzip`. */
async function gzipSize(data: Uint8Array): Promise<number> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

const fmt = (n: number) => n.toLocaleString("en-US");

try {
  const current = await Deno.readTextFile(`${root}fresh.gen.ts`);
  if (current !== await generateManifest(root)) {
    throw new Error("fresh.gen.ts is out of date; run `deno task gen`, then build again");
  }
  const islandFiles = Object.keys(manifest.islands).map((k) => k.replace(/^\.\//, ""));
  const started = performance.now();
  const build = await bundleIslands({ root, islandFiles, mode: "production" });
  await writeBuild(build, outDir);

  let bytes = 0;
  let gzip = 0;
  for (const [path, { contents }] of [...build.files].sort(([a], [b]) => a.localeCompare(b))) {
    const gz = await gzipSize(contents);
    bytes += contents.byteLength;
    gzip += gz;
    console.log(
      `  ${path.padEnd(48)} ${fmt(contents.byteLength).padStart(9)} B  ${fmt(gz)} B gzip`,
    );
  }
  const ms = Math.round(performance.now() - started);
  console.log(`BUILD_ID ${build.buildId}`);
  console.log(
    `${build.files.size} files, ${fmt(bytes)} bytes (${fmt(gzip)} gzip), ` +
      `${islandFiles.length} island modules → _fresh/ in ${ms} ms`,
  );
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  Deno.exit(1);
}
