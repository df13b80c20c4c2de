/**
 * The ingest benchmark's **floor** server (`scripts/bench_ingest.ts` starts it): the part of a
 * push the issue requires before anything is stored — UTF-8 and JSON decoding, the structural
 * limits and shape check, the payload hash, the snapshot's signals and its posture — through the
 * app's own functions, with no authentication and no storage. Its rate is an upper bound for the
 * real ingest on the same machine: whatever the storage costs comes on top.
 *
 * Env: `PORT` (required).
 */
import { parseStatusPush } from "../../lib/ingest/parse.ts";
import { heartbeatState } from "../../lib/signals/heartbeat.ts";
import { snapshotSignals } from "../../lib/signals/normalize.ts";
import { computePosture } from "../../lib/signals/posture.ts";

const host = { id: "01BENCHFLOOR", name: "bench-floor", slug: "bench-floor" };

Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT")), onListen() {} },
  async (req) => {
    if (req.method !== "POST") return new Response("floor server: POST a status push");
    const now = new Date();
    const parsed = await parseStatusPush(new Uint8Array(await req.arrayBuffer()), {
      receivedAt: now,
      host,
    });
    const signals = snapshotSignals(parsed);
    const posture = computePosture(signals, heartbeatState(now, now));
    return Response.json({ ok: true, signals: signals.length, score: posture.score });
  },
);
