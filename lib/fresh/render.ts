/**
 * The page pipeline: `_app` → layouts → page, one synchronous
 * `renderToString`, then the island boot script and the page headers.
 */
import { type ComponentType, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { collectIslands, type IslandInfo } from "./islands.ts";
import { serializeIslandProps } from "./serialize.ts";
import { type FreshBuild, preloadFor } from "./build.ts";

// deno-lint-ignore no-explicit-any -- app and layout props are typed by define.*
type AnyComponent = ComponentType<any>;

/** Everything needed to render one HTML document. */
export interface RenderInput {
  app: AnyComponent | null;
  /** Outer to inner. */
  layouts: AnyComponent[];
  /** The page content, already created (async pages are awaited before). */
  content: VNode;
  state: unknown;
  url: URL;
  params: Record<string, string>;
  data: unknown;
  build: FreshBuild;
  basePath: string;
  nonce: string;
}

/** The rendered document and what must go with it. */
export interface RenderedPage {
  html: string;
  headers: Headers;
  islands: string[];
}

/** Builds the nested tree: `_app` wraps the outer layout, which wraps the next, … the page. */
export function composeTree(input: Omit<RenderInput, "build" | "basePath" | "nonce">): VNode {
  const { app, layouts, content, state, url, params, data } = input;
  let Inner: AnyComponent = () => content;
  for (const Layout of [...layouts].reverse()) {
    const Next: AnyComponent = Inner;
    Inner = (): VNode => h(Layout, { Component: Next, state, url, params, data });
  }
  return app ? h(app, { Component: Inner, state, url }) : h(Inner, null);
}

/** Public URL of a build output file, e.g. `/_app/<id>/islands/Clock.js`. */
export function buildUrl(basePath: string, buildId: string, output: string): string {
  return `${basePath}/_app/${buildId}/${output}`;
}

/** The output file of an island source, from the build (stub builds derive it). */
function islandOutput(build: FreshBuild, info: IslandInfo): string {
  return build.entries[info.file] ?? info.file.replace(/\.(tsx|ts|jsx)$/, ".js");
}

/**
 * The inline module script that boots the page's islands. Its props payload is
 * script-safe (no `</script>`, `<!--`, U+2028/9), so it can sit in HTML as is.
 */
export function bootScript(
  build: FreshBuild,
  basePath: string,
  nonce: string,
  used: IslandInfo[],
  payload: string,
): string {
  const url = (o: string) => JSON.stringify(buildUrl(basePath, build.buildId, o));
  const imports = used.map((i) =>
    `import { ${i.exportName} as ${i.name} } from ${url(islandOutput(build, i))};`
  );
  return `<script type="module" nonce="${nonce}">` +
    `import { boot } from ${url(build.runtime)};${imports.join("")}` +
    `boot({ ${used.map((i) => i.name).join(", ")} }, ${payload});</script>`;
}

/**
 * Renders a full HTML document. Synchronous on purpose: island collection is
 * process-global state and must not span an `await`.
 */
export function renderDocument(input: RenderInput): RenderedPage {
  const tree = composeTree(input);
  const { result, islands } = collectIslands(() => renderToString(tree));
  let html = result;
  const headers = new Headers({
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
  });
  const used = [...islands.used.values()];
  if (used.length > 0) {
    const payload = serializeIslandProps(islands.names, islands.props);
    const script = bootScript(input.build, input.basePath, input.nonce, used, payload);
    const at = html.lastIndexOf("</body>");
    html = at === -1 ? html + script : html.slice(0, at) + script + html.slice(at);
    const preload = preloadFor(input.build, used.map((i) => islandOutput(input.build, i)));
    headers.set(
      "link",
      preload.map((o) =>
        `<${buildUrl(input.basePath, input.build.buildId, o)}>; rel="modulepreload"`
      ).join(", "),
    );
  }
  return { html: "<!DOCTYPE html>" + html, headers, islands: used.map((i) => i.name) };
}
