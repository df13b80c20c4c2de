import { define } from "@/lib/define.ts";
import { authenticateHostRead } from "@/lib/hosts/read_auth.ts";
import { signedTarget } from "@/lib/http/signed_request.ts";
import { listSnapshots } from "@/lib/ingest/snapshots.ts";
import { queryLimit, queryText } from "@/lib/ui/list_query.ts";
import { cursorIfMore } from "@/lib/http/paging.ts";

/** `nextCursor` text: `<received_at ms since epoch>.<snapshot id>` (as the timeline's). */
const CURSOR = /^(\d{1,15})\.([0-7][0-9A-HJKMNP-TV-Z]{25})$/;

/**
 * Stored snapshots of the host, newest first, for a bearer key or a signed runner request with
 * `host.history.read` (agent-protocol §0.1). Paged with `?limit=1-200` (default 20) and
 * `?before=<nextCursor>`; `nextCursor` is null on the last page.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    const auth = await authenticateHostRead(services, {
      hostId: ctx.params.hostId,
      ...signedTarget(ctx.req),
      ip: ctx.state.ip,
    }, "host.history.read");
    const { host } = auth;
    const limit = ctx.url.searchParams.get("limit") === null ? 20 : queryLimit(ctx.url);
    const cursor = queryText(ctx.url, "before", 64, CURSOR)?.match(CURSOR);
    const snapshots = await listSnapshots(services.ledger, host.orgId, host.id, {
      limit,
      before: cursor ? { receivedAt: new Date(Number(cursor[1])), id: cursor[2] } : undefined,
    });
    const headers = new Headers({ "cache-control": "no-store" });
    if (auth.deprecatedUntil) headers.set("x-sentry-key-deprecated", auth.deprecatedUntil);
    const nextCursor = await cursorIfMore(
      snapshots,
      limit,
      (s) => `${s.receivedAt.getTime()}.${s.id}`,
      () => {
        const last = snapshots[snapshots.length - 1];
        return listSnapshots(services.ledger, host.orgId, host.id, {
          limit: 1,
          before: { receivedAt: last.receivedAt, id: last.id },
        });
      },
    );
    return Response.json({ ok: true, hostId: host.id, snapshots, nextCursor }, { headers });
  },
});
