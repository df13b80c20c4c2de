/** Web-layer configuration (see `lib/fresh/config.ts`). */
import { defineConfig } from "./lib/fresh/mod.ts";

export default defineConfig({
  basePath: "",
  staticDir: "static",
  // Host and agent endpoints authenticate by key or signature, not by cookie.
  csrfExempt: ["/api/agent"],
});
