/** The per-request state shared by middleware, handlers, layouts and `_app`. */
import type { Services } from "./services.ts";
import type { AuthState } from "./auth/state.ts";

export type Theme = "light" | "dark" | "system";

export interface State {
  /** Stores, config, logger and clock: everything domain code needs. */
  services: Services;
  /** Page title set by a handler before `page()`; `_app` puts it in `<title>`. */
  title?: string;
  /** The operator's colour theme, from the `theme` cookie. */
  theme: Theme;
  /** Current client build id, for cache-busting `static/` URLs. */
  buildId: string;
  /** Whether the app runs in development (shows the island demo link). */
  dev: boolean;
  /** The signed-in operator, or null. */
  auth: AuthState | null;
  /** Client address (from the connection; proxies are not trusted). */
  ip: string;
}
