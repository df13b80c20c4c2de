/**
 * Browser runtime (design §4.4): boots every island of a server-rendered page. It ships to every
 * page with islands, so it stays small. Imports are bare names ("preact", "@preact/signals") so
 * the code-split bundle shares ONE copy of Preact and the signals core with the islands.
 *
 * @module
 */
import { type ComponentType, h, render } from "preact";
// Installs the signals integration into Preact's options before any island renders, so signal
// props render as text and re-render on change even in islands that never import it themselves.
import "@preact/signals";
import { reviveIslandProps } from "../serialize.ts";

/** An island component; props are checked on the server, so any props type is accepted here. */
export type IslandComponent = ComponentType<never>;

const START = /^frsh:island:([A-Za-z_$][\w$]*):(\d+)$/;
const END = "/frsh:island";

/**
 * Renders each island between its `<!--frsh:island:NAME:INDEX-->` and `<!--/frsh:island-->`
 * markers, reusing the server-rendered DOM. Called by the inline boot script the server writes.
 *
 * @example
 * ```ts
 * import { boot } from "/_app/<BUILD_ID>/lib/fresh/runtime/client.js";
 * import HostStatus from "/_app/<BUILD_ID>/islands/HostStatus.js";
 * boot({ HostStatus }, [[1], { hostId: 2 }, "web-1"]);
 * ```
 */
export function boot(islands: Record<string, IslandComponent>, data: unknown): void {
  const props = reviveIslandProps(data); // once: shared objects and signals keep their identity
  // Collect first: rendering changes the DOM the walker would be walking.
  const starts: [Comment, string, number][] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const m = START.exec((n as Comment).data);
    if (m) starts.push([n as Comment, m[1], Number(m[2])]);
  }
  for (const [start, name, index] of starts) {
    const end = findEnd(start);
    if (!end) {
      // The browser moved nodes because of invalid nesting (a <div> inside a <p>).
      console.error(`[fresh] island ${name}: markers are not siblings; check HTML nesting`);
      continue;
    }
    const Island = islands[name] as ComponentType<Record<string, unknown>> | undefined;
    if (!Island || !props[index]) {
      console.error(`[fresh] island ${name}: no component or props; is the boot script stale?`);
      continue;
    }
    render(h(Island, props[index]), markerRange(start, end));
  }
}

/** The closing marker among the following siblings (markers never nest), or null. */
function findEnd(start: Comment): Comment | null {
  for (let n = start.nextSibling; n; n = n.nextSibling) {
    if (n.nodeType === Node.COMMENT_NODE && (n as Comment).data === END) return n as Comment;
  }
  return null;
}

/**
 * A fake parent that exposes only the nodes between two markers, the minimal surface Preact 10's
 * `render` touches. It depends on Preact internals: the browser test guards it on every upgrade.
 */
function markerRange(start: Comment, end: Comment): Element {
  const parent = start.parentNode!;
  const kids = () => {
    const a: Node[] = [];
    for (let n = start.nextSibling; n && n !== end; n = n.nextSibling) a.push(n);
    return a;
  };
  return {
    nodeType: 1,
    parentNode: parent,
    namespaceURI: (parent as Element).namespaceURI,
    get firstChild() {
      return start.nextSibling === end ? null : start.nextSibling;
    },
    get childNodes() {
      return kids();
    },
    contains: (n: Node) => kids().some((k) => k === n || k.contains(n)),
    insertBefore: (n: Node, ref: Node | null) => parent.insertBefore(n, ref ?? end),
    appendChild: (n: Node) => parent.insertBefore(n, end),
    removeChild: (n: Node) => parent.removeChild(n),
  } as unknown as Element;
}
