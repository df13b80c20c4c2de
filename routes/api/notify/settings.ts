import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { getNotifySettings, updateNotifySettings } from "@/lib/notify/settings.ts";
import { settingsJson } from "@/lib/notify/views.ts";

/** The organization's notification settings: dedupe window, quiet hours, digest interval. */
export const handler = define.handlers({
  async GET(ctx) {
    const settings = await getNotifySettings(ctx.state.services.ledger, authOf(ctx).org!.id);
    return ok({ settings: settingsJson(settings) });
  },
  async PUT(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const settings = await updateNotifySettings(services, auth, body, client);
    return ok({ settings: settingsJson(settings) });
  },
});
