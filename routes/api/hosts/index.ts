import { define } from "@/lib/define.ts";
import { listHosts } from "@/lib/hosts/registry.ts";
import { createHostWithKey, hostView } from "@/lib/hosts/admin.ts";
import { pageQuery } from "@/lib/http/paging.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** The active organization's hosts with heartbeat and posture; POST creates one (token shown once). */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    // Slugs are lowercase letters, digits and '-'; the pattern is loose enough for any stored one.
    const { limit, after } = pageQuery(ctx.url, 50, /^[a-z0-9-]{1,64}$/);
    const q = ctx.url.searchParams;
    const filters = {
      search: q.get("q")?.slice(0, 80) || undefined,
      group: q.get("group")?.slice(0, 40) || undefined,
      tag: q.get("tag")?.slice(0, 32) || undefined,
      includeDisabled: q.get("disabled") === "1",
    };
    const { ledger } = ctx.state.services;
    const hosts = await listHosts(ledger, auth.org!.id, { ...filters, limit, after });
    const views = await Promise.all(hosts.map((h) => hostView(ctx.state.services, h)));
    // A cursor only when another page exists (a full page may be the last one).
    const last = hosts.length === limit ? hosts.at(-1)!.slug : null;
    const more = last !== null &&
      (await listHosts(ledger, auth.org!.id, { ...filters, limit: 1, after: last })).length > 0;
    return ok({ hosts: views, nextCursor: more ? last : null });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const created = await createHostWithKey(services, auth, body, client);
    return ok({ host: created.host, key: created.key, onboarding: created.onboarding }, {
      status: 201,
    });
  },
});
