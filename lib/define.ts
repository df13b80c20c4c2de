/** Typed `define.*` helpers bound to this app's `State`. */
import { createDefine } from "./fresh/mod.ts";
import type { State } from "./state.ts";

export const define = createDefine<State>();
