/** The fleet table's key map: which key does what, and never while typing or with a modifier. */
import { equal } from "node:assert/strict";
import { FLEET_KEYS, fleetKeyAction, nextRow } from "@/lib/ui/fleet_keys.ts";

Deno.test("fleet keys: j, k, / and ? outside fields; nothing while typing or with modifiers", () => {
  equal(fleetKeyAction({ key: "j", targetTag: "A" }), "next");
  equal(fleetKeyAction({ key: "k", targetTag: "BODY" }), "previous");
  equal(fleetKeyAction({ key: "/" }), "search");
  equal(fleetKeyAction({ key: "?", targetTag: "BUTTON" }), "help");
  equal(fleetKeyAction({ key: "x" }), null);
  equal(
    fleetKeyAction({ key: "Enter", targetTag: "A" }),
    null,
    "links open on Enter by themselves",
  );
  for (const targetTag of ["INPUT", "TEXTAREA", "SELECT"]) {
    equal(fleetKeyAction({ key: "j", targetTag }), null, `typing in ${targetTag}`);
    equal(fleetKeyAction({ key: "/", targetTag }), null, `a slash typed in ${targetTag}`);
  }
  equal(fleetKeyAction({ key: "j", targetTag: "DIV", editable: true }), null);
  equal(fleetKeyAction({ key: "k", ctrlKey: true }), null);
  equal(fleetKeyAction({ key: "/", metaKey: true }), null);
  equal(fleetKeyAction({ key: "j", altKey: true }), null);
});

Deno.test("fleet keys: row movement starts at an end and stops at both", () => {
  equal(nextRow("next", -1, 3), 0);
  equal(nextRow("previous", -1, 3), 2);
  equal(nextRow("next", 0, 3), 1);
  equal(nextRow("next", 2, 3), 2);
  equal(nextRow("previous", 1, 3), 0);
  equal(nextRow("previous", 0, 3), 0);
  equal(nextRow("next", -1, 0), -1);
});

Deno.test("fleet keys: the help dialog lists every shortcut the handler knows", () => {
  const listed = FLEET_KEYS.flatMap((k) => k.keys);
  for (const key of ["j", "k", "/", "?"]) {
    equal(fleetKeyAction({ key }) !== null, listed.includes(key), key);
  }
});
