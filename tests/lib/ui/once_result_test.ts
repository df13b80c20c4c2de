import { deepEqual, equal, ok } from "node:assert/strict";
import { openTestServices } from "../../support/test_services.ts";
import { ONCE_TTL_MS, putOnce, takeOnce } from "@/lib/ui/once_result.ts";

Deno.test("[once] a stored result is taken once, by its owner, on its page, before it expires", async () => {
  await using services = await openTestServices();
  const owner = { orgId: "org_a", userId: "usr_1", scope: "host_1" };
  const id = await putOnce(services, owner, "created", { secret: "whsec_x" });

  equal(await takeOnce(services, { ...owner, userId: "usr_2" }, "created", id), undefined);
  equal(await takeOnce(services, { ...owner, orgId: "org_b" }, "created", id), undefined);
  equal(await takeOnce(services, { ...owner, scope: "host_2" }, "created", id), undefined);
  equal(await takeOnce(services, owner, "rotated", id), undefined, "another kind");
  equal(await takeOnce(services, owner, "created", "../etc"), undefined, "malformed id");
  equal(await takeOnce(services, owner, "created", null), undefined);
  deepEqual(await takeOnce(services, owner, "created", id), { secret: "whsec_x" });
  equal(await takeOnce(services, owner, "created", id), undefined, "taken");

  const late = await putOnce(services, owner, "rotated", { secret: "whsec_y" });
  services.clock.advance(ONCE_TTL_MS);
  equal(await takeOnce(services, owner, "rotated", late), undefined, "expired");
});

Deno.test("[once] the value is sealed in KV: no secret in clear", async () => {
  await using services = await openTestServices();
  const owner = { orgId: "org_a", userId: "usr_1", scope: "host_1" };
  await putOnce(services, owner, "token", {
    token: "vs1_secretvalue",
    prefix: "vs1_sec",
    rotated: false,
  });
  let entries = 0;
  for await (const entry of services.kv.list({ prefix: ["page_once"] })) {
    entries++;
    ok(!JSON.stringify(entry.value).includes("secretvalue"), "the token is not stored in clear");
  }
  equal(entries, 1);
});

Deno.test("[once] of two concurrent takes of one result, exactly one gets it", async () => {
  await using services = await openTestServices();
  const owner = { orgId: "org_a", userId: "usr_1", scope: "host_1" };
  for (let round = 0; round < 20; round++) {
    const id = await putOnce(services, owner, "token", {
      token: `vs1_${"x".repeat(32)}`,
      prefix: "vs1_xxxx",
      rotated: false,
    });
    const taken = await Promise.all([
      takeOnce(services, owner, "token", id),
      takeOnce(services, owner, "token", id),
      takeOnce(services, owner, "token", id),
    ]);
    equal(taken.filter((t) => t !== undefined).length, 1, `round ${round}: one winner`);
  }
});
