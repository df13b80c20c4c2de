import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { periodParam, previewReport, sendReportNow } from "@/lib/reports/on_demand.ts";

/**
 * The active organization's fleet report on demand (ops). `GET` (or `POST ?preview=1`) builds
 * it for the period ending now (`?period=day|week`, default the schedule's) and answers the
 * report JSON with its e-mail `subject`, `html` and `text`, sending nothing. `POST` builds and
 * sends it: body `{period?, emails?, viaEndpoints?}`; without recipients, to the caller. The
 * answer lists the queued and suppressed notification deliveries.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const preview = await previewReport(
      ctx.state.services,
      authOf(ctx).org!.id,
      periodParam(ctx.url),
    );
    return ok({ ...preview });
  },
  async POST(ctx) {
    const auth = authOf(ctx);
    if (ctx.url.searchParams.get("preview") === "1") {
      const preview = await previewReport(ctx.state.services, auth.org!.id, periodParam(ctx.url));
      return ok({ ...preview });
    }
    const input = await readJson(ctx.req, JsonObject);
    const asked = periodParam(ctx.url);
    const { report, recipients, delivery } = await sendReportNow(
      ctx.state.services,
      auth,
      asked !== undefined && input.period === undefined ? { ...input, period: asked } : input,
      clientOf(ctx),
    );
    return ok({
      report,
      recipients,
      deliveries: delivery.deliveries,
      suppressed: delivery.suppressed,
      deduped: delivery.deduped,
      endpointIds: delivery.endpointIds,
    });
  },
});
