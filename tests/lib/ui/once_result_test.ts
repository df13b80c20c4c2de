import { deepEqual, equal } from "node:assert/strict";
import { testClock } from "../../support/test_services.ts";
import { ONCE_TTL_MS, putOnce, takeOnce } from "@/lib/ui/once_result.ts";

Deno.test("[once] a stored result is taken once, by its owner, before it expires", async () => {
  await using kv = await Deno.openKv(":memory:");
  const services = { kv, clock: testClock() };
  const owner = { orgId: "org_a", userId: "usr_1" };
  const id = await putOnce(services, owner, "created", { secret: "whsec_x" });

  equal(await takeOnce(services, { ...owner, userId: "usr_2" }, "created", id), undefined);
  equal(await takeOnce(services, { ...owner, orgId: "org_b" }, "created", id), undefined);
  equal(await takeOnce(services, owner, "rotated", id), undefined, "another kind");
  equal(await takeOnce(services, owner, "created", "../etc"), undefined, "malformed id");
  equal(await takeOnce(services, owner, "created", null), undefined);
  deepEqual(await takeOnce(services, owner, "created", id), { secret: "whsec_x" });
  equal(await takeOnce(services, owner, "created", id), undefined, "taken");

  const late = await putOnce(services, owner, "rotated", { secret: "whsec_y" });
  services.clock.advance(ONCE_TTL_MS);
  equal(await takeOnce(services, owner, "rotated", late), undefined, "expired");
});
