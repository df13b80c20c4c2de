/**
 * `deno task gen` writes `fresh.gen.ts`; `deno task gen:check` fails when it
 * is out of date (CI runs it).
 */
import { generateManifest } from "../lib/fresh/manifest.ts";

const root = new URL("..", import.meta.url).pathname;
const target = `${root}fresh.gen.ts`;
const check = Deno.args.includes("--check");

try {
  const next = await generateManifest(root);
  const current = await Deno.readTextFile(target).catch(() => "");
  if (check) {
    if (current !== next) {
      console.error("fresh.gen.ts is out of date; run `deno task gen`");
      Deno.exit(1);
    }
    console.log("fresh.gen.ts is up to date");
  } else if (current !== next) {
    await Deno.writeTextFile(target, next);
    console.log("wrote fresh.gen.ts");
  } else {
    console.log("fresh.gen.ts unchanged");
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  Deno.exit(1);
}
