import { equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { findProjectFiles, generateManifest } from "@/lib/fresh/manifest.ts";

async function project(files: string[]): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "fresh-manifest-" });
  for (const f of files) {
    await Deno.mkdir(join(root, f, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, f), "export default () => null;\n");
  }
  return root;
}

Deno.test("[fresh] manifest: one static import per file, sorted, formatted, test files skipped", async () => {
  const root = await project([
    "routes/index.tsx",
    "routes/hosts/[hostId].tsx",
    "routes/(console)/fleet.tsx",
    "routes/(_parts)/card.tsx",
    "routes/index_test.ts",
    "routes/.draft.tsx",
    "islands/Clock.tsx",
    "islands/charts/Uptime.tsx",
  ]);
  try {
    const files = await findProjectFiles(root);
    equal(
      files.routes.join(","),
      "./routes/(console)/fleet.tsx,./routes/hosts/[hostId].tsx,./routes/index.tsx",
    );
    equal(files.islands.join(","), "./islands/Clock.tsx,./islands/charts/Uptime.tsx");
    const src = await generateManifest(root);
    match(src, /^\/\/ DO NOT EDIT/);
    match(src, /import \* as \$0 from "\.\/routes\/\(console\)\/fleet\.tsx";/);
    match(src, /import \* as \$\$1 from "\.\/islands\/charts\/Uptime\.tsx";/);
    match(src, /baseUrl: import\.meta\.url,\n};\n\nexport default manifest;\n$/);
    equal(await generateManifest(root), src, "stable output");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("[fresh] manifest: the generator rejects trees it cannot serve", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["routes/[id]@[v].tsx"], /partial-segment/],
    [["routes/[...rest]/x.tsx"], /must be the last/],
    [["routes/about.tsx", "routes/about/index.tsx"], /both answer \/about/],
    [["routes/(a)/x.tsx", "routes/(b)/x.tsx"], /both answer \/x/],
    [["islands/my-widget.tsx", "islands/my_widget.tsx"], /both make island "my_widget"/],
    [["islands/2fa.tsx"], /not a JavaScript identifier/],
  ];
  for (const [files, message] of cases) {
    const root = await project(files);
    try {
      await rejects(generateManifest(root), message, files.join(","));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
});

Deno.test("[fresh] manifest: the committed fresh.gen.ts is current", async () => {
  const root = new URL("../../../", import.meta.url).pathname;
  const committed = await Deno.readTextFile(join(root, "fresh.gen.ts"));
  ok(
    committed === await generateManifest(root),
    "fresh.gen.ts is out of date; run `deno task gen`",
  );
});
