import { equal } from "node:assert/strict";
import { AGENT_CODES, codeTitle } from "@/lib/signals/catalog.ts";

Deno.test("[signals] codeTitle: the agent's title, else the code in words", () => {
  equal(codeTitle("unexpected_public_port"), "Unexpected public port");
  equal(codeTitle("ssh_bruteforce_activity"), "SSH bruteforce activity");
  const [code, info] = [...AGENT_CODES][0];
  equal(codeTitle(code), info.title, "an agent code keeps the agent's title");
  equal(codeTitle(""), "");
});
