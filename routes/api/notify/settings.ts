import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { getNotifySettings, updateNotifySettings } from "@/lib/notify/settings.ts";
import { settingsJson } from "@/lib/notify/views.ts";

/** The organization's notification settings: dedupe window, quiet hours, digest interval. */
export const handler = define.handlers({
  async GET(ctx) {
    const settings = await getNotifySettings(ctx.state.services.ledger, authOf(ctx).org!.id);
    return ok({ settings: settingsJson(settings) });
  },
  async PUT(ctx) {
    const body = await readJson(ctx.req, JsonObject);
    const settings = await updateNotifySettings(
      ctx.state.services,
      authOf(ctx),
      body,
      clientOf(ctx),
    );
    return ok({ settings: settingsJson(settings) });
  },
});
