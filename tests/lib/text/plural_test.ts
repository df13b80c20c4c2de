import { equal } from "node:assert/strict";
import { counted } from "@/lib/text/plural.ts";

Deno.test("[text] counted: the noun agrees with the count", () => {
  equal(counted(1, "delivery", "deliveries"), "1 delivery");
  equal(counted(0, "delivery", "deliveries"), "0 deliveries");
  equal(counted(3, "signal"), "3 signals");
  equal(counted(1, "signal"), "1 signal");
});
