import { define } from "@/lib/define.ts";
import type { FreshContext } from "@/lib/fresh/mod.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import type { State } from "@/lib/state.ts";
import { authenticateHostBearer } from "@/lib/hosts/keys.ts";
import { parseHostScope } from "@/lib/hosts/key_format.ts";
import { keyState } from "@/lib/hosts/key_format.ts";
import { takeToken } from "@/lib/ingest/rate_limit.ts";

/** Checks a key from the host it belongs to (agent-protocol §4.5). Never a heartbeat. */
async function verify(
  ctx: FreshContext<State>,
  scopeText: string | null,
  touch: boolean,
): Promise<Response> {
  const { services } = ctx.state;
  const now = services.clock.now();
  const requiredScope = scopeText ? parseHostScope(scopeText) : null;
  const auth = await authenticateHostBearer(services.ledger, {
    hostId: ctx.params.hostId,
    authorization: ctx.req.headers.get("authorization"),
    requiredScope,
    now,
    ip: ctx.state.ip,
    touch: touch ? "always" : "never",
  });
  const limited = await takeToken(services.kv, {
    bucket: `verify:${auth.key.id}`,
    limit: 60,
    windowMs: 60_000,
    now,
  });
  if (!limited.ok) {
    throw new HttpError(429, `Too many verifications; retry in ${limited.retryAfterS} s.`, {
      code: "rate_limited",
      headers: { "retry-after": String(limited.retryAfterS) },
      details: { retryAfterSeconds: limited.retryAfterS },
    });
  }
  const { key, host } = auth;
  return Response.json({
    ok: true,
    requiredScope,
    touched: touch,
    key: {
      id: key.id,
      prefix: key.prefix,
      version: key.version,
      kind: key.kind,
      scopes: key.scopes,
      state: keyState(key, now),
      expiresAt: key.expiresAt,
      graceUntil: key.graceUntil,
      lastUsedAt: key.lastUsedAt,
    },
    host: { id: host.id, name: host.name },
  }, { headers: { "cache-control": "no-store" } });
}

export const handler = define.handlers({
  GET: (ctx) =>
    verify(
      ctx,
      ctx.url.searchParams.get("scope") ?? ctx.url.searchParams.get("requiredScope"),
      ctx.url.searchParams.get("touch") === "1",
    ),
  async POST(ctx) {
    const raw = await ctx.req.text();
    let body: Record<string, unknown> = {};
    if (raw.trim() !== "") {
      try {
        const parsed = JSON.parse(raw);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) body = parsed;
        else throw new Error();
      } catch {
        throw new HttpError(400, "The body must be a JSON object.", {
          code: "invalid_json",
          details: { field: "(body)" },
        });
      }
    }
    const scope = body.scope ?? body.requiredScope;
    if (scope !== undefined && typeof scope !== "string") {
      throw new HttpError(400, "scope: expected a string", {
        code: "unknown_scope",
        details: { field: "scope" },
      });
    }
    return await verify(ctx, (scope as string | undefined) ?? null, body.touch === true);
  },
});
