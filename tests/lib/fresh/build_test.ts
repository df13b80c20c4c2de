import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  bundleIslands,
  type FreshBuild,
  loadBuild,
  preloadFor,
  stubBuild,
  writeBuild,
} from "../../../lib/fresh/build.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const islandFiles = ["tests/fixtures/islands/Counter.tsx", "tests/fixtures/islands/Display.tsx"];
const COUNTER = "tests/fixtures/islands/Counter.js";
const DISPLAY = "tests/fixtures/islands/Display.js";
const RUNTIME = "lib/fresh/runtime/client.js";

// Strings that exist once in each library's source, minified or not.
const PREACT_MARKER = "acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera";
const SIGNALS_CORE_MARKER = "Cycle detected";

const builds = new Map<string, Promise<FreshBuild>>();
function build(mode: "development" | "production"): Promise<FreshBuild> {
  if (!builds.has(mode)) builds.set(mode, bundleIslands({ root, islandFiles, mode }));
  return builds.get(mode)!;
}

const text = (b: FreshBuild, path: string) => new TextDecoder().decode(b.files.get(path)!.contents);
const filesWith = (b: FreshBuild, needle: string) =>
  [...b.files.keys()].filter((p) => p.endsWith(".js") && text(b, p).includes(needle));

for (const mode of ["development", "production"] as const) {
  Deno.test(`[fresh] build (${mode}): runtime and islands are present`, async () => {
    const b = await build(mode);
    assert.match(b.buildId, /^[0-9a-f]{16}$/);
    assert.equal(b.runtime, RUNTIME);
    assert.deepEqual(b.entries, {
      "lib/fresh/runtime/client.ts": RUNTIME,
      "tests/fixtures/islands/Counter.tsx": COUNTER,
      "tests/fixtures/islands/Display.tsx": DISPLAY,
    });
    for (const out of [RUNTIME, COUNTER, DISPLAY]) {
      assert.equal(b.files.get(out)?.contentType, "text/javascript; charset=utf-8", out);
    }
    assert.match(text(b, RUNTIME), /export\s*\{[^}]*\bboot\b/);
    const maps = [...b.files.keys()].filter((p) => p.endsWith(".map"));
    if (mode === "development") {
      assert.ok(maps.includes(`${COUNTER}.map`), "linked source maps in development");
      assert.equal(b.files.get(`${COUNTER}.map`)!.contentType, "application/json");
      assert.match(text(b, COUNTER), /sourceMappingURL=Counter\.js\.map/);
    } else {
      assert.deepEqual(maps, [], "no source maps in production");
      assert.ok(!text(b, RUNTIME).includes("\n  "), "minified");
    }
  });

  Deno.test(`[fresh] build (${mode}): one copy of preact and signals, in a shared chunk`, async () => {
    const b = await build(mode);
    const preact = filesWith(b, PREACT_MARKER);
    assert.equal(preact.length, 1, `preact in exactly one file: ${preact}`);
    assert.match(preact[0], /^chunk-[A-Z0-9]+\.js$/);
    assert.equal(filesWith(b, SIGNALS_CORE_MARKER).length, 1, "one signals core");
    // The runtime imports reviveIslandProps from serialize.ts: devalue's stringify must be
    // tree-shaken away, it never runs in the browser.
    assert.deepEqual(filesWith(b, "Cannot stringify"), []);
  });

  Deno.test(`[fresh] build (${mode}): preload lists follow shared chunks`, async () => {
    const b = await build(mode);
    const chunk = filesWith(b, PREACT_MARKER)[0];
    for (const out of [RUNTIME, COUNTER, DISPLAY]) {
      assert.ok(b.preload[out].includes(chunk), `${out} preloads ${chunk}`);
      for (const dep of b.preload[out]) assert.ok(b.files.has(dep), dep);
    }
    const list = preloadFor(b, [COUNTER, DISPLAY]);
    assert.deepEqual(list.slice(0, 3), [RUNTIME, COUNTER, DISPLAY]);
    assert.ok(list.includes(chunk));
    assert.equal(new Set(list).size, list.length, "no duplicates");
    assert.ok(list.every((p) => p.endsWith(".js")));
  });
}

Deno.test("[fresh] build: development and production differ; the id is stable", async () => {
  const [dev, prod] = await Promise.all([build("development"), build("production")]);
  assert.notEqual(dev.buildId, prod.buildId);
  const again = await bundleIslands({ root, islandFiles, mode: "production" });
  assert.equal(again.buildId, prod.buildId);
  assert.deepEqual([...again.files.keys()].sort(), [...prod.files.keys()].sort());
});

Deno.test("[fresh] build: the id changes when a source byte changes", async () => {
  // Inside the project, so deno.json's imports resolve for the copied island.
  const dir = await Deno.makeTempDir({ dir: fixtures, prefix: "tmp_build_" });
  try {
    const source = await Deno.readTextFile(`${fixtures}islands/Counter.tsx`);
    const file = `${dir}/Island.tsx`;
    const rel = file.slice(root.length);
    await Deno.writeTextFile(file, source);
    const a = await bundleIslands({ root, islandFiles: [rel], mode: "production" });
    await Deno.writeTextFile(file, source.replace('"+1"', '"+2"'));
    const b = await bundleIslands({ root, islandFiles: [rel], mode: "production" });
    assert.notEqual(a.buildId, b.buildId);
    assert.equal(b.entries[rel], rel.replace(/\.tsx$/, ".js"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[fresh] build: a broken island fails with file and line", async () => {
  const dir = await Deno.makeTempDir({ dir: fixtures, prefix: "tmp_build_" });
  try {
    const file = `${dir}/Broken.tsx`;
    await Deno.writeTextFile(
      file,
      'import { nothing } from "./missing.ts";\nexport default () => <p>{nothing}</p>;\n',
    );
    await assert.rejects(
      bundleIslands({ root, islandFiles: [file.slice(root.length)], mode: "development" }),
      (e: Error) => {
        assert.match(e.message, /^Bundling islands failed; fix these errors and rebuild:/);
        assert.match(e.message, /Broken\.tsx:\d+:\d+/);
        assert.match(e.message, /missing\.ts/);
        assert.ok(!e.message.includes("\x1b["), "no ANSI colours");
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[fresh] build: a build without islands still names the runtime by its path", async () => {
  const b = await bundleIslands({ root, islandFiles: [], mode: "production" });
  assert.equal(b.runtime, RUNTIME);
  assert.ok(b.files.has(RUNTIME));
});

Deno.test("[fresh] build: writeBuild → loadBuild round trip", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fresh_build_" });
  try {
    const b = await build("development");
    await writeBuild(b, `${dir}/_fresh`);
    const stat = await Deno.stat(`${dir}/_fresh/static/_app/${b.buildId}/${COUNTER}`);
    assert.ok(stat.isFile);
    const loaded = await loadBuild(`${dir}/_fresh`);
    assert.equal(loaded.buildId, b.buildId);
    assert.equal(loaded.runtime, b.runtime);
    assert.deepEqual(loaded.entries, b.entries);
    assert.deepEqual(loaded.preload, b.preload);
    assert.deepEqual([...loaded.files.keys()].sort(), [...b.files.keys()].sort());
    for (const [path, file] of b.files) {
      assert.deepEqual(loaded.files.get(path), file, path);
    }

    // A new build replaces the old one: its id directory is gone.
    const prod = await build("production");
    await writeBuild(prod, `${dir}/_fresh`);
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/_fresh/static/_app`)].map((e) => e.name),
      [prod.buildId],
    );
    assert.equal((await loadBuild(`${dir}/_fresh`)).buildId, prod.buildId);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[fresh] build: loadBuild on an empty dir says how to fix it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fresh_build_" });
  try {
    await assert.rejects(loadBuild(dir), { message: "no build found: run `deno task build`" });
    await assert.rejects(loadBuild(`${dir}/nope`), {
      message: "no build found: run `deno task build`",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[fresh] build: stubBuild answers any island path without bundling", () => {
  const b = stubBuild();
  assert.equal(b.buildId, "test");
  assert.equal(b.runtime, RUNTIME);
  assert.equal(b.files.size, 0);
  assert.equal(b.entries["islands/Counter.tsx"], "islands/Counter.js");
  assert.equal(b.entries["./islands/charts/Uptime.tsx"], "islands/charts/Uptime.js");
  assert.ok("islands/Counter.tsx" in b.entries);
  assert.equal(b.entries["toString"], Object.prototype.toString);
  assert.equal(b.entries["nope"], undefined);
  assert.deepEqual(preloadFor(b, ["islands/Counter.js"]), [RUNTIME, "islands/Counter.js"]);
});
