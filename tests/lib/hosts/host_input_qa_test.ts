/**
 * QA: the heartbeat interval's error text is shown on the host settings form, so it speaks of
 * leaving the field empty, never of `null`.
 */
import { equal, match, ok, throws } from "node:assert/strict";
import { HEARTBEAT_MINUTES_HINT, validateHostInput } from "@/lib/hosts/host_input.ts";
import { HttpError } from "@/lib/fresh/errors.ts";

Deno.test("[hosts] host input: the heartbeat interval error says 'leave empty', not null", () => {
  ok(!/\bnull\b/i.test(HEARTBEAT_MINUTES_HINT), HEARTBEAT_MINUTES_HINT);
  match(HEARTBEAT_MINUTES_HINT, /1 to 1440/);
  match(HEARTBEAT_MINUTES_HINT, /leave empty for the default/);
  for (const bad of [0, 1441, 2.5, "60"]) {
    throws(() => validateHostInput({ name: "web-1", heartbeatExpectedMinutes: bad }), (e) => {
      ok(e instanceof HttpError, String(e));
      equal((e as HttpError).status, 400);
      ok(!/\bnull\b/i.test((e as HttpError).message), (e as HttpError).message);
      match((e as HttpError).message, /leave empty for the default/);
      return true;
    });
  }
  equal(
    validateHostInput({ name: "web-1", heartbeatExpectedMinutes: null })
      .heartbeatExpectedMinutes,
    null,
  );
});
