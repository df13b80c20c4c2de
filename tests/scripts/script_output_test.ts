import { deepEqual, equal } from "node:assert/strict";
import { ConfigError } from "@/lib/config.ts";
import { capturedOutput, scriptFailure, UsageError } from "../../scripts/script_output.ts";

Deno.test("[scripts] scriptFailure: one line, 2 for usage and config, 1 for anything else", () => {
  const output = capturedOutput();
  equal(scriptFailure("host:create", new UsageError("--org: required\nusage: …"), output), 2);
  const config = new ConfigError([{ variable: "DATA_DIR", message: "bad" }]);
  equal(scriptFailure("host:create", config, output), 2);
  equal(scriptFailure("host:create", new Error("ledger down"), output), 1);
  equal(scriptFailure("host:create", "odd", output), 1);
  deepEqual(output.stderr, [
    "host:create: --org: required usage: …",
    `host:create: ${config.message.replaceAll("\n", " ")}`,
    "host:create: ledger down",
    "host:create: odd",
  ]);
});
