import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { fleetRows, MAX_ROW_IDS } from "@/lib/live/rows.ts";

/**
 * Fleet rows of the hosts a live event named (viewer): `?ids=h_1,h_2` (at most 50), as the
 * fleet table shows them. Hosts of other organizations are simply not in the answer.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const org = authOf(ctx).org!;
    const ids = (ctx.url.searchParams.get("ids") ?? "").split(",").map((s) => s.trim())
      .filter(Boolean);
    if (ids.length > MAX_ROW_IDS || ids.some((id) => !/^[A-Za-z0-9_-]{1,64}$/.test(id))) {
      throw new HttpError(
        400,
        `ids: expected up to ${MAX_ROW_IDS} host ids separated by commas`,
        { code: "invalid_input", details: { field: "ids" } },
      );
    }
    return ok({ rows: await fleetRows(ctx.state.services, org.id, ids) });
  },
});
