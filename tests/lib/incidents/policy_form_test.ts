import { deepEqual, equal } from "node:assert/strict";
import { formFieldOf, formLevels, policyBodyFromForm } from "@/lib/incidents/policy_form.ts";

Deno.test("[policy form] ticked boxes become levels; empty levels are dropped", () => {
  const values = {
    "level-0-user-u1": "on",
    "level-2-endpoint-e1": "on",
    "level-2-user-u2": "on",
    "ack-critical": "5",
    "repeat-high": "soon",
    repeatCount: "",
  };
  deepEqual(policyBodyFromForm(values), {
    levels: [
      { userIds: ["u1"], endpointIds: [] },
      { userIds: ["u2"], endpointIds: ["e1"] },
    ],
    ackMinutes: { critical: 5 },
    repeatMinutes: { high: "soon" },
    repeatCount: null,
  });
  deepEqual(formLevels(values), [0, 2]);
  deepEqual(formLevels({}), []);
});

Deno.test("[policy form] an error's field names the form's own level and inputs", () => {
  equal(formFieldOf("ackMinutes.critical"), "ack-critical");
  equal(formFieldOf("repeatMinutes.medium"), "repeat-medium");
  equal(formFieldOf("levels.1.userIds.0", [0, 2]), "level-2");
  equal(formFieldOf("levels.1.userIds.0"), "level-1", "without a map: the same number");
  equal(formFieldOf("repeatCount"), "repeatCount");
});
