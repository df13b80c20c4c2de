/**
 * Island registry and SSR marking. Every function exported by an `islands/`
 * module is an island, keyed by function identity; while a page renders, a
 * Preact `options.vnode` hook swaps in a wrapper that emits comment markers
 * around the outermost islands and records their props.
 */
import {
  type Attributes,
  type ComponentType,
  createContext,
  Fragment,
  h,
  options,
  type VNode,
} from "preact";
import { useContext } from "preact/hooks";

/** A registered island: its boot-script binding and where it comes from. */
export interface IslandInfo {
  /** Unique identifier, e.g. `HostStatus`, `HostStatus_Row`, `charts_Uptime`. */
  name: string;
  /** Export of the module (`default` or a named export). */
  exportName: string;
  /** Source path relative to the project, e.g. `islands/HostStatus.tsx`. */
  file: string;
}

/** What one page render collects. */
export interface IslandRenderState {
  names: string[];
  props: Record<string, unknown>[];
  used: Map<string, IslandInfo>;
}

const InIsland = createContext(false);
// deno-lint-ignore no-explicit-any -- islands take arbitrary props
type AnyComponent = ComponentType<any>;
const wrappers = new Map<unknown, AnyComponent>();
const infos = new Map<unknown, IslandInfo>();
let renderState: IslandRenderState | null = null;
// Set while a wrapper creates the real vnode, so it is not wrapped again.
let bypass = false;

const comment = (text: string): VNode =>
  h(Fragment, { UNSTABLE_comment: text } as unknown as Attributes);

/** Island binding name for a file and export: `islands/charts/Uptime.tsx` → `charts_Uptime`. */
export function islandName(file: string, exportName: string): string {
  const base = file.replace(/^\.?\/?islands\//, "").replace(/\.(tsx|ts|jsx|js)$/, "")
    .replace(/[\/-]/g, "_");
  return exportName === "default" ? base : `${base}_${exportName}`;
}

/**
 * Registers every function export of an island module. Idempotent per function.
 *
 * @example
 * ```ts
 * registerIslandModule("./islands/Clock.tsx", await import("@/islands/Clock.tsx"));
 * ```
 */
export function registerIslandModule(file: string, mod: Record<string, unknown>): IslandInfo[] {
  const rel = file.replace(/^\.\//, "");
  const out: IslandInfo[] = [];
  for (const [exportName, value] of Object.entries(mod)) {
    if (typeof value !== "function") continue;
    const name = islandName(rel, exportName);
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) {
      throw new Error(`Island ${file} export ${exportName}: "${name}" is not a valid identifier.`);
    }
    const existing = infos.get(value);
    if (existing) {
      out.push(existing);
      continue;
    }
    const info: IslandInfo = { name, exportName, file: rel };
    infos.set(value, info);
    wrappers.set(value, makeWrapper(value as AnyComponent, info));
    out.push(info);
  }
  return out;
}

function makeWrapper(Island: AnyComponent, info: IslandInfo): AnyComponent {
  function IslandMarker(props: Record<string, unknown>) {
    bypass = true;
    const inner = h(Island, props);
    bypass = false;
    const nested = useContext(InIsland);
    // Nested in another island, or rendered outside a page render: no markers.
    if (nested || renderState === null) return inner;
    const index = renderState.props.push(props) - 1;
    renderState.names.push(info.name);
    renderState.used.set(info.name, info);
    return h(
      Fragment,
      null,
      comment(`frsh:island:${info.name}:${index}`),
      h(InIsland.Provider, { value: true }, inner),
      comment("/frsh:island"),
    );
  }
  IslandMarker.displayName = `Island(${info.name})`;
  return IslandMarker;
}

const previousVnodeHook = options.vnode;
options.vnode = (vnode) => {
  if (!bypass) {
    const wrapper = wrappers.get(vnode.type);
    if (wrapper) vnode.type = wrapper;
  }
  previousVnodeHook?.(vnode);
};

/**
 * Runs a synchronous render with island collection switched on. The state is
 * process-global, so the render must not await (pitfall 8).
 */
export function collectIslands<T>(render: () => T): { result: T; islands: IslandRenderState } {
  if (renderState !== null) throw new Error("collectIslands: a page render is already running");
  const state: IslandRenderState = { names: [], props: [], used: new Map() };
  renderState = state;
  try {
    return { result: render(), islands: state };
  } finally {
    renderState = null;
  }
}
