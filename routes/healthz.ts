import { define } from "@/lib/define.ts";

const started = Date.now();

/** Liveness: the process is up and serving. Touches no store. */
export const handler = define.handlers({
  GET: () =>
    Response.json(
      { ok: true, uptimeS: Math.round((Date.now() - started) / 1000) },
      { headers: { "cache-control": "no-store" } },
    ),
});
