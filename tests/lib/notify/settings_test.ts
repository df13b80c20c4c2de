/** Quiet hours in local time (across midnight and time zones) and settings validation. */
import { equal, match, ok } from "node:assert/strict";
import { inQuietHours, isTimeZone, localClock } from "@/lib/notify/settings.ts";
import { notifyWorld } from "./notify_world.ts";

Deno.test("[notify] quiet hours: local time, windows across midnight", () => {
  const night = { quietHours: { start: "22:00", end: "07:00" }, timezone: "Europe/Berlin" };
  equal(localClock(new Date("2026-11-25T22:30:00Z"), "Europe/Berlin"), "23:30");
  ok(inQuietHours(night, new Date("2026-11-25T21:00:00Z")), "22:00 Berlin: start is inside");
  ok(inQuietHours(night, new Date("2026-11-26T05:59:00Z")), "06:59 Berlin");
  ok(!inQuietHours(night, new Date("2026-11-26T06:00:00Z")), "07:00 Berlin: end is outside");
  ok(!inQuietHours(night, new Date("2026-11-25T12:00:00Z")));
  const day = { quietHours: { start: "09:00", end: "17:00" }, timezone: "America/New_York" };
  ok(inQuietHours(day, new Date("2026-11-25T15:00:00Z")), "10:00 in New York");
  ok(!inQuietHours(day, new Date("2026-11-25T13:00:00Z")), "08:00 in New York");
  ok(!inQuietHours({ quietHours: null, timezone: "UTC" }, new Date()));
  ok(isTimeZone("UTC") && isTimeZone("Asia/Kolkata") && !isTimeZone("Mars/Olympus"));
});

Deno.test("[notify] settings: bad values name the field and change nothing", async () => {
  await using w = await notifyWorld();
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ dedupeWindowMinutes: -1 }, "dedupeWindowMinutes", /at least 0 minutes/],
    [{ digestIntervalMinutes: 1 }, "digestIntervalMinutes", /at least 5 minutes/],
    [{ quietHours: { start: "25:00", end: "07:00" } }, "quietHours.start", /HH:MM/],
    [{ quietHours: { start: "07:00", end: "07:00" } }, "quietHours", /must differ/],
    [{ timezone: "Mars/Olympus" }, "timezone", /IANA time zone/],
    [{ surprise: 1 }, "(body)", /surprise|Unrecognized/],
    [{}, "(body)", /at least one of/],
  ];
  for (const [body, field, message] of cases) {
    const res = await w.api("PUT", "/api/notify/settings", w.a.admin, body);
    equal(res.status, 400, JSON.stringify(body));
    const error = res.body.error as { message: string; details: { field: string } };
    equal(error.details.field, field, JSON.stringify(body));
    match(error.message, message);
  }
  equal(
    (await w.services.ledger.db.selectFrom("notify_settings").selectAll().execute()).length,
    0,
  );
  const ok200 = await w.api("PUT", "/api/notify/settings", w.a.admin, {
    quietHours: { start: "22:00", end: "07:00" },
    timezone: "Europe/Berlin",
  });
  equal(ok200.status, 200);
  equal((await w.api("GET", "/api/notify/settings", w.a.ops)).status, 200, "ops read");
  equal((await w.api("PUT", "/api/notify/settings", w.a.ops, { timezone: "UTC" })).status, 403);
});
