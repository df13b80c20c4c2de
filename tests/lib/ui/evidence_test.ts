import { deepEqual } from "node:assert/strict";
import { evidenceFacts } from "@/lib/ui/evidence.ts";

Deno.test("[evidence] known fields first with their labels, then the rest by name", () => {
  deepEqual(
    evidenceFacts({
      zeta: 1,
      reasons: ["deleted exe", "fd socket"],
      pid: 9485,
      exe: "/usr/bin/bash",
      cpu_percent: 0,
      empty: "",
      nested: { a: 1 },
    }),
    [
      ["PID", "9485"],
      ["Executable", "/usr/bin/bash"],
      ["Reasons", "deleted exe, fd socket"],
      ["CPU %", "0"],
      ["Nested", '{"a":1}'],
      ["Zeta", "1"],
    ],
  );
  deepEqual(evidenceFacts(null), []);
  deepEqual(evidenceFacts("just text"), [["Evidence", "just text"]]);
});
