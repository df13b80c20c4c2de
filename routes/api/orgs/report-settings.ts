import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { describeSchedule } from "@/lib/reports/period.ts";
import { getReportSettings, updateReportSettings } from "@/lib/reports/settings.ts";

/**
 * The active organization's scheduled fleet report: read (ops), change (admin). A change is
 * partial (`{enabled?, frequency?: "daily"|"weekly", weekday?: 0-6, hourUtc?: 0-23, emails?,
 * viaEndpoints?}`; what is left out keeps its value); a bad member is a 400 naming it.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const settings = await getReportSettings(ctx.state.services.ledger, authOf(ctx).org!.id);
    return ok({ settings, schedule: describeSchedule(settings) });
  },
  async PATCH(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const { settings, changes } = await updateReportSettings(services, auth, body, client);
    return ok({ settings, changes, schedule: describeSchedule(settings) });
  },
});
