import { equal, ok } from "node:assert/strict";
import { cpuMsFromStat, percentile, processCpuMs } from "../../../scripts/lib/bench.ts";

Deno.test("[bench] cpuMsFromStat adds user and system ticks, whatever the command name holds", () => {
  equal(cpuMsFromStat("42 (deno) S 1 42 42 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 9"), 1750);
  // A command name with spaces and a closing parenthesis of its own.
  equal(cpuMsFromStat("7 (a b) c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1"), 70);
});

Deno.test("[bench] processCpuMs reads this process and gives 0 for a process that is gone", () => {
  const own = processCpuMs(Deno.pid);
  ok(Number.isFinite(own) && own >= 0, `own CPU time ${own}`);
  equal(processCpuMs(2 ** 30), 0); // above Linux's pid_max: never a live process
});

Deno.test("[bench] percentile is the nearest rank", () => {
  equal(percentile([3, 1, 2, 4], 0.5), 3);
  equal(percentile([3, 1, 2, 4], 0.99), 4);
  equal(percentile([5], 0), 5);
});
