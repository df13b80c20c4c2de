import assert from "node:assert/strict";
import { h } from "preact";
import { Computed, computed, Signal, signal } from "@preact/signals-core";
import {
  assertNoJsx,
  reviveIslandProps,
  serializeIslandProps,
} from "../../../lib/fresh/serialize.ts";

/** What the browser does: the payload is evaluated as a JavaScript literal, then revived. */
function roundTrip(names: string[], all: Record<string, unknown>[]): Record<string, unknown>[] {
  const out = serializeIslandProps(names, all);
  const literal = new Function(`return ${out}`)();
  assert.deepEqual(literal, JSON.parse(out), "output is both a JS literal and JSON");
  return reviveIslandProps(literal);
}

const JSX_CHILDREN_MESSAGE = 'Island "HostCard": prop "children" is JSX. Islands cannot receive ' +
  "server JSX in this project; render it inside the island or pass data.";

Deno.test("[fresh] serialize: special values and built-in types round-trip", () => {
  const sparse: number[] = [1];
  sparse[4] = 5;
  const props = {
    undef: undefined,
    nan: NaN,
    inf: Infinity,
    ninf: -Infinity,
    negZero: -0,
    big: 2n ** 70n,
    date: new Date("2026-01-02T03:04:05.678Z"),
    map: new Map<unknown, unknown>([["a", 1], [2, { b: true }]]),
    set: new Set(["x", 1, null]),
    url: new URL("https://example.com/a?b=c#d"),
    re: /a+b[</]/gi,
    bytes: new Uint8Array([0, 1, 254, 255]),
    sparse,
    nested: { deep: [null, "s", 1.5] },
  };
  const [got] = roundTrip(["All"], [props]);
  assert.equal(got.undef, undefined);
  assert.ok("undef" in got, "undefined props keep their key");
  assert.ok(Number.isNaN(got.nan));
  assert.equal(got.inf, Infinity);
  assert.equal(got.ninf, -Infinity);
  assert.ok(Object.is(got.negZero, -0), "-0 stays -0");
  assert.equal(got.big, 2n ** 70n);
  assert.ok(got.date instanceof Date);
  assert.equal((got.date as Date).toISOString(), "2026-01-02T03:04:05.678Z");
  assert.deepEqual(got.map, props.map);
  assert.deepEqual(got.set, props.set);
  assert.ok(got.url instanceof URL);
  assert.equal((got.url as URL).href, "https://example.com/a?b=c#d");
  assert.ok(got.re instanceof RegExp);
  assert.equal((got.re as RegExp).source, props.re.source);
  assert.equal((got.re as RegExp).flags, "gi");
  assert.ok(got.bytes instanceof Uint8Array);
  assert.deepEqual([...(got.bytes as Uint8Array)], [0, 1, 254, 255]);
  const arr = got.sparse as number[];
  assert.equal(arr.length, 5);
  assert.ok(!(1 in arr) && !(3 in arr), "holes stay holes");
  assert.equal(arr[4], 5);
  assert.deepEqual(got.nested, props.nested);
});

Deno.test("[fresh] serialize: cycles and shared references keep identity across islands", () => {
  const node: Record<string, unknown> = { name: "root" };
  node.self = node;
  const shared = { id: 7 };
  const [a, b] = roundTrip(["A", "B"], [{ node, shared }, { shared, list: [shared] }]);
  const n = a.node as Record<string, unknown>;
  assert.equal(n.self, n);
  assert.equal(a.shared, b.shared, "one object in the browser");
  assert.equal((b.list as unknown[])[0], b.shared);
});

Deno.test("[fresh] serialize: one signal passed to two islands revives as one signal", () => {
  const count = signal(3);
  const [a, b] = roundTrip(["Counter", "Display"], [{ count }, { count, label: "n" }]);
  assert.ok(a.count instanceof Signal);
  assert.equal(a.count, b.count, "the same object");
  const s = a.count as Signal<number>;
  assert.equal(s.value, 3);
  s.value = 4;
  assert.equal((b.count as Signal<number>).value, 4);
});

Deno.test("[fresh] serialize: a Computed revives read-only with its current value", () => {
  const base = signal(2);
  const double = computed(() => base.value * 2);
  const [props] = roundTrip(["Display"], [{ double, base }]);
  assert.ok(props.double instanceof Computed, "a Computed, not a writable Signal");
  assert.ok(!(props.base instanceof Computed));
  const c = props.double as Signal<number>;
  assert.equal(c.value, 4);
  assert.throws(() => {
    c.value = 5;
  }, TypeError);
});

Deno.test("[fresh] serialize: hostile strings never appear raw and round-trip exactly", () => {
  const hostile = [
    "</script><script>alert(1)</script>",
    "<!--",
    "a\u2028b",
    "c\u2029d",
    "</SCRIPT >",
    "\\u003C literal backslash",
  ];
  const props = {
    texts: hostile,
    "</script><!--": "key too",
    re: /<\/script>/,
    url: new URL("https://example.com/?q=%3C/script%3E"),
  };
  const out = serializeIslandProps(["Evil"], [props]);
  for (const bad of ["<", "\u2028", "\u2029"]) {
    assert.ok(!out.includes(bad), `no raw ${JSON.stringify(bad)} in ${out}`);
  }
  const [got] = reviveIslandProps(new Function(`return ${out}`)());
  assert.deepEqual(got.texts, hostile);
  assert.equal(got["</script><!--"], "key too");
  assert.equal((got.re as RegExp).source, props.re.source);
  assert.equal((got.url as URL).href, props.url.href);
});

Deno.test("[fresh] serialize: a function prop throws naming island and prop path", () => {
  assert.throws(
    () => serializeIslandProps(["A", "HostList"], [{}, { rows: [{ onSave() {} }] }]),
    {
      message:
        'Island "HostList" prop rows[0].onSave: Cannot stringify a function. Only data can reach the browser.',
    },
  );
});

Deno.test("[fresh] serialize: symbols and class instances throw naming the prop", () => {
  class Host {
    id = 1;
  }
  assert.throws(() => serializeIslandProps(["Card"], [{ host: new Host() }]), {
    message:
      'Island "Card" prop host: Cannot stringify arbitrary non-POJOs. Only data can reach the browser.',
  });
  assert.throws(() => serializeIslandProps(["Card"], [{ tag: Symbol("x") }]), {
    message: /^Island "Card" prop tag: Cannot stringify a Symbol primitive\./,
  });
});

Deno.test("[fresh] serialize: JSX props and JSX children throw the §4.5 message", () => {
  assert.throws(
    () => serializeIslandProps(["HostCard"], [{ children: h("b", null, "Save") }]),
    { message: JSX_CHILDREN_MESSAGE },
  );
  assert.throws(
    () => assertNoJsx("HostCard", { children: ["text", [h("i", null)]] }),
    { message: JSX_CHILDREN_MESSAGE },
    "an array holding a vnode, at any depth",
  );
  assert.throws(() => assertNoJsx("HostCard", { icon: h("svg", null) }), {
    message: 'Island "HostCard": prop "icon" is JSX. Islands cannot receive server JSX in this ' +
      "project; render it inside the island or pass data.",
  });
  assert.throws(() => assertNoJsx("HostCard", { cells: [{ label: h("b", null) }] }), {
    message: /^Island "HostCard": prop "cells\[0\]\.label" is JSX\./,
  });
});

Deno.test("[fresh] serialize: text children and null-prototype data pass", () => {
  const row = Object.assign(Object.create(null), { constructor: undefined, name: "web-1" });
  const [a, b] = roundTrip(["Button", "Row"], [{ children: "Save" }, {
    children: ["a", 1, null],
    row,
  }]);
  assert.equal(a.children, "Save");
  assert.deepEqual(b.children, ["a", 1, null]);
  assert.equal((b.row as Record<string, unknown>).name, "web-1");
});

Deno.test("[fresh] serialize: names and props must line up; payload must be an array", () => {
  assert.throws(() => serializeIslandProps(["A"], []), /1 island names for 0 props/);
  assert.throws(() => reviveIslandProps(-1), /not an array/);
});
