/**
 * QA of the timeline query string: a date-only `to` is the end of that day (UTC, inclusive), the
 * from-after-until error uses the form's labels, and a bad severity is a 400 naming it.
 */
import { deepEqual, equal, throws } from "node:assert/strict";
import { timelineQuery, untilTime } from "@/lib/timeline/query.ts";
import { HttpError } from "@/lib/fresh/errors.ts";

const url = (q: string) => new URL(`http://x/timeline?${q}`);

Deno.test("[timeline query] a date-only to means the end of that day, UTC", () => {
  const q = timelineQuery(url("from=2026-11-25&to=2026-11-25"));
  equal(q.from?.toISOString(), "2026-11-25T00:00:00.000Z");
  equal(q.to?.toISOString(), "2026-11-25T23:59:59.999Z");
  // A time of day is taken as given.
  equal(untilTime(url("to=2026-11-25T12:00:00Z"))?.toISOString(), "2026-11-25T12:00:00.000Z");
  equal(untilTime(url("to=2026-11-25T00:00Z"))?.toISOString(), "2026-11-25T00:00:00.000Z");
  equal(untilTime(url("to=")), undefined);
  equal(untilTime(url("")), undefined);
});

Deno.test("[timeline query] from after until: 400 on from, in the form's words", () => {
  throws(() => timelineQuery(url("from=2026-11-26&to=2026-11-25")), (e: unknown) => {
    equal(e instanceof HttpError && e.status, 400);
    deepEqual((e as HttpError).details, { field: "from" });
    equal((e as HttpError).message, "from: From must not be after Until");
    return true;
  });
  // The same day on both ends is not "after".
  timelineQuery(url("from=2026-11-25T23:00Z&to=2026-11-25"));
});

Deno.test("[timeline query] a bad severity or date is a 400 naming the parameter", () => {
  for (const [q, field] of [["severity=bogus", "severity"], ["to=2026-13-45", "to"]]) {
    throws(() => timelineQuery(url(q)), (e: unknown) => {
      equal(e instanceof HttpError && e.status, 400, q);
      deepEqual((e as HttpError).details, { field }, q);
      return true;
    });
  }
  equal(timelineQuery(url("severity=critical")).severity, "critical");
});
