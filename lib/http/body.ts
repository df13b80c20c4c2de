/** Reading request bodies with a hard cap, by `Content-Length` first and then while streaming. */
import { HttpError } from "../fresh/mod.ts";

/**
 * The body's bytes, refusing more than `maxBytes` (413 `payload_too_large`) without buffering
 * beyond the cap.
 *
 * @example
 * ```ts
 * const bytes = await readBodyCapped(ctx.req, 1_000_000);
 * ```
 */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError(413, `The body is larger than ${maxBytes} bytes.`, {
      code: "payload_too_large",
      details: { limitBytes: maxBytes },
    });
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
