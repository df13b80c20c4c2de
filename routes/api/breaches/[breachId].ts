import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { getBreach } from "@/lib/breaches/query.ts";

/** One breach of the organization with its state history. */
export const handler = define.handlers({
  async GET(ctx) {
    const found = await getBreach(
      ctx.state.services.ledger,
      authOf(ctx).org!.id,
      ctx.params.breachId,
    );
    if (!found) throw new HttpError(404, "No such breach.", { code: "not_found" });
    return ok({ breach: found.breach, events: found.events });
  },
});
