import { z } from "zod";
import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { readForm } from "@/lib/http/input.ts";
import { switchOrg } from "@/lib/auth/switch_org.ts";
import { authOf } from "@/lib/auth/http.ts";
import { seeOther } from "@/lib/ui/navigation.ts";

/** The header's organization switcher: the session rotates into the chosen organization. */
export const handler = define.handlers({
  async POST(ctx) {
    const parsed = await readForm(ctx.req, z.object({ orgId: z.string().min(1).max(64) }));
    if (!parsed.ok) {
      throw new HttpError(400, "orgId: choose an organization", { details: { field: "orgId" } });
    }
    const { token } = await switchOrg(ctx, authOf(ctx), parsed.data.orgId);
    return seeOther(ctx, "/", { session: token });
  },
});
