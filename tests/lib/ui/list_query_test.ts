/**
 * Query parameters of the list pages: blanks are absent, each bad value is a 400 `invalid_input`
 * naming its parameter, and `limit` keeps its two blank rules.
 */
import { deepEqual, equal, throws } from "node:assert/strict";
import { HttpError } from "@/lib/fresh/errors.ts";
import {
  badQueryParam,
  DEFAULT_LIMIT,
  queryChoice,
  queryId,
  queryLimit,
  queryText,
  queryTime,
} from "@/lib/ui/list_query.ts";

const url = (query: string) => new URL(`http://x/list?${query}`);

/** Asserts a 400 `invalid_input` for `field` with `message`. */
function rejects(read: () => unknown, field: string, message: string) {
  throws(read, (error: unknown) => {
    if (!(error instanceof HttpError)) return false;
    equal(error.status, 400);
    equal(error.code, "invalid_input");
    equal(error.message, `${field}: ${message}`);
    deepEqual(error.details, { field });
    return true;
  });
}

Deno.test("badQueryParam: a 400 naming the field", () => {
  rejects(
    () => {
      throw badQueryParam("overdue", "expected 1, 0, true or false");
    },
    "overdue",
    "expected 1, 0, true or false",
  );
});

Deno.test("queryChoice: one of the list; missing or blank is no filter", () => {
  const states = ["open", "closed"] as const;
  equal(queryChoice(url("state=open"), "state", states), "open");
  equal(queryChoice(url(""), "state", states), undefined);
  equal(queryChoice(url("state="), "state", states), undefined);
  rejects(
    () => queryChoice(url("state=melted"), "state", states),
    "state",
    "expected one of open, closed",
  );
});

Deno.test("queryId: letters, digits, _ and -, at most 64", () => {
  equal(queryId(url("host=h_01J-x"), "host"), "h_01J-x");
  equal(queryId(url("host="), "host"), undefined);
  equal(queryId(url(`host=${"a".repeat(64)}`), "host"), "a".repeat(64));
  rejects(() => queryId(url(`host=${"a".repeat(65)}`), "host"), "host", "not a valid id");
  rejects(() => queryId(url("host=a%20b"), "host"), "host", "not a valid id");
});

Deno.test("queryText: bounded length and optional pattern", () => {
  equal(queryText(url("q=redis"), "q", 200), "redis");
  equal(queryText(url("q="), "q", 200), undefined);
  rejects(() => queryText(url(`q=${"q".repeat(201)}`), "q", 200), "q", "not a valid value");
  const ulid = /^[0-9A-Z]{26}$/;
  equal(
    queryText(url("after=01ARZ3NDEKTSV4RRFFQ69G5FAV"), "after", 64, ulid),
    "01ARZ3NDEKTSV4RRFFQ69G5FAV",
  );
  rejects(() => queryText(url("after=x"), "after", 64, ulid), "after", "not a valid value");
});

Deno.test("queryTime: ISO 8601, nothing over 40 characters", () => {
  equal(queryTime(url("from=2026-11-25"), "from")?.toISOString(), "2026-11-25T00:00:00.000Z");
  equal(queryTime(url("from="), "from"), undefined);
  rejects(() => queryTime(url("from=yesterday"), "from"), "from", "expected an ISO 8601 time");
  rejects(
    () => queryTime(url(`from=${"2".repeat(41)}`), "from"),
    "from",
    "expected an ISO 8601 time",
  );
});

Deno.test("queryLimit: 1-200, 50 when missing; blank only where allowed", () => {
  equal(queryLimit(url("")), DEFAULT_LIMIT);
  equal(queryLimit(url("limit=1")), 1);
  equal(queryLimit(url("limit=200")), 200);
  equal(queryLimit(url("limit="), { blankIsDefault: true }), DEFAULT_LIMIT);
  for (const bad of ["limit=", "limit=0", "limit=201", "limit=1.5", "limit=abc"]) {
    rejects(() => queryLimit(url(bad)), "limit", "expected an integer 1-200");
  }
  rejects(
    () => queryLimit(url("limit=0"), { blankIsDefault: true }),
    "limit",
    "expected an integer 1-200",
  );
});
