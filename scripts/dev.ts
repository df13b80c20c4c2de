/**
 * `deno task dev`: runs the server with `--watch`, and regenerates
 * `fresh.gen.ts` when files under routes/ or islands/ are added, removed or
 * renamed. The manifest is in the module graph, so `--watch` restarts on it.
 */
import { generateManifest } from "../lib/fresh/manifest.ts";

const root = new URL("..", import.meta.url).pathname;
const target = `${root}fresh.gen.ts`;

async function regenerate(): Promise<void> {
  try {
    const next = await generateManifest(root);
    if (next !== await Deno.readTextFile(target).catch(() => "")) {
      await Deno.writeTextFile(target, next);
      console.log("[dev] fresh.gen.ts updated");
    }
  } catch (e) {
    console.error(`[dev] manifest not updated: ${e instanceof Error ? e.message : e}`);
  }
}

await regenerate();
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--watch", "main.ts"],
  cwd: root,
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();

let timer: ReturnType<typeof setTimeout> | undefined;
const watcher = Deno.watchFs([`${root}routes`, `${root}islands`]);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(sig, () => {
    watcher.close();
    server.kill(sig);
  });
}
(async () => {
  for await (const event of watcher) {
    if (event.kind === "create" || event.kind === "remove" || event.kind === "rename") {
      clearTimeout(timer);
      timer = setTimeout(regenerate, 100);
    }
  }
})();
Deno.exit((await server.status).code);
