/** Where a refusal of `requestRemediation` lands on the console form. */
import { deepEqual, equal, throws } from "node:assert/strict";
import { HttpError } from "@/lib/fresh/mod.ts";
import { consoleProblem } from "@/lib/ui/remediation_problem.ts";

const refused = (message: string, code: string, details: unknown) =>
  new HttpError(409, message, { code, details });

Deno.test("consoleProblem: a param's error goes next to its field", () => {
  const bad = new HttpError(400, "params.ip: not an address", {
    code: "invalid_params",
    details: { field: "params.ip" },
  });
  deepEqual(consoleProblem(bad, "block-ip"), {
    status: 400,
    rule: "invalid_params",
    errors: { ip: "not an address" },
  });
  // A field the action does not have is not placed on the form: it becomes the message.
  const other = new HttpError(400, "params.nope: unknown", { details: { field: "params.nope" } });
  const problem = consoleProblem(other, "block-ip");
  deepEqual(problem.errors, {});
  equal(problem.message, "params.nope: unknown");
});

Deno.test("consoleProblem: the typed phrase and the action have their own fields", () => {
  const confirm = new HttpError(400, "confirm: type the phrase", { details: { field: "confirm" } });
  deepEqual(consoleProblem(confirm, "block-ip").errors, { confirm: "type the phrase" });
  const action = new HttpError(404, "No such action", { details: { field: "actionId" } });
  deepEqual(consoleProblem(action, "nope").errors, { action: "No such action" });
});

Deno.test("consoleProblem: a guard refusal names its rule; self-lockout asks for the override", () => {
  const refusals = [{ rule: "cooldown", message: "wait" }];
  const cooldown = consoleProblem(
    refused("Cooling down", "guard_refused", { rule: "cooldown", refusals }),
    "block-ip",
  );
  equal(cooldown.rule, "cooldown");
  deepEqual(cooldown.refusals, refusals);
  deepEqual(cooldown.errors, {});
  equal(cooldown.message, "Cooling down");
  const lockout = consoleProblem(
    refused("You would lock yourself out", "guard_refused", { rule: "self_lockout" }),
    "block-ip",
  );
  deepEqual(lockout.errors, { override: "You would lock yourself out" });
  deepEqual(lockout.refusals, []);
  // A rate refusal keeps its Retry-After, which the console page sends on.
  const rate = new HttpError(429, "Too many executes", {
    code: "rate_limit",
    headers: { "retry-after": "120" },
    details: { rule: "rate_limit" },
  });
  deepEqual(consoleProblem(rate, "block-ip").headers, { "retry-after": "120" });
});

Deno.test("consoleProblem: anything but an HttpError is re-thrown", () => {
  throws(() => consoleProblem(new TypeError("bug"), "block-ip"), TypeError);
});
