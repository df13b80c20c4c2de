import assert from "node:assert/strict";
import { jcs, planHash } from "@/lib/protocol/jcs.ts";

const vectors = JSON.parse(
  await Deno.readTextFile(
    new URL("../../../../shared/fixtures/agent/signing-vectors.json", import.meta.url),
  ),
);

Deno.test("jcs sorts keys and drops whitespace", () => {
  assert.equal(
    jcs({ b: [1, true, null], a: "x", c: { z: 1, y: "é" } }),
    '{"a":"x","b":[1,true,null],"c":{"y":"é","z":1}}',
  );
  assert.throws(() => jcs({ n: Number.NaN }), /finite/);
});

Deno.test("planHash reproduces the Appendix C job vector", async () => {
  const { claims, planInputJcs, planHash: expected } = vectors.job;
  const input = {
    actionId: claims.actionId,
    actionVersion: claims.actionVersion,
    steps: claims.steps,
  };
  assert.equal(jcs(input), planInputJcs);
  assert.equal(await planHash(input), expected);
  const changed = structuredClone(claims.steps);
  changed[0].argv[2] = "6380/tcp";
  assert.notEqual(await planHash({ ...input, steps: changed }), expected);
});
