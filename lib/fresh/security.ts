/**
 * The security preset applied to every response, and the CSRF and body-limit
 * guards applied to routed requests.
 */
import type { MiddlewareHandler } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { requestId } from "hono/request-id";
import { timing } from "hono/timing";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { HttpError } from "./errors.ts";

export interface SecurityConfig {
  /** Public origin, e.g. `https://sentry.example.com`; behind a TLS proxy the request URL is not it. */
  publicOrigin: string;
  /** `Server-Timing` reveals internals: development and operators only. */
  serverTiming: boolean;
  /** Largest accepted request body in bytes (413 above). */
  bodyLimit: number;
  /** Path prefixes authenticated by key or signature, exempt from the browser CSRF check. */
  csrfExempt: string[];
}

/** The Content-Security-Policy directives; scripts need `'self'` or the request nonce. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", NONCE],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
};

/** Browser features this console never uses. */
const PERMISSIONS_POLICY = {
  camera: [],
  microphone: [],
  geolocation: [],
  payment: [],
  usb: [],
  serial: [],
  hid: [],
  accelerometer: [],
  gyroscope: [],
  magnetometer: [],
  interestCohort: [],
  browsingTopics: [],
};

const HSTS = "max-age=63072000; includeSubDomains";

/** HSTS only means something over https: set it when this request or the public origin is. */
function strictTransport(publicOrigin: string): MiddlewareHandler {
  const publicHttps = publicOrigin.startsWith("https:");
  return async (c, next) => {
    await next();
    if (publicHttps || new URL(c.req.url).protocol === "https:") {
      c.res.headers.set("Strict-Transport-Security", HSTS);
    }
  };
}

/**
 * Middleware that runs first on every request: request id, timing, headers.
 *
 * @example
 * ```ts
 * for (const mw of securityPreset(cfg)) app.use("*", mw);
 * ```
 */
export function securityPreset(cfg: SecurityConfig): MiddlewareHandler[] {
  return [
    requestId({ limitLength: 255 }),
    timing({ enabled: cfg.serverTiming, crossOrigin: false }),
    secureHeaders({
      contentSecurityPolicy: CSP_DIRECTIVES,
      strictTransportSecurity: false,
      xFrameOptions: "DENY",
      crossOriginOpenerPolicy: true,
      crossOriginResourcePolicy: true,
      // Not "no-referrer": with it, browsers send `Origin: null` on same-origin form posts, which
      // the CSRF guard must refuse. "same-origin" still sends nothing to other sites.
      referrerPolicy: "same-origin",
      permissionsPolicy: PERMISSIONS_POLICY,
    }),
    strictTransport(cfg.publicOrigin),
  ];
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Rejects cross-site state-changing requests. A browser always sends `Origin`
 * or `Sec-Fetch-Site` on such requests; a form-like body with neither is
 * refused too (a plain HTML form cannot be told apart). Non-browser clients
 * with JSON bodies pass, and must authenticate otherwise.
 */
export function csrfGuard(
  cfg: Pick<SecurityConfig, "publicOrigin" | "csrfExempt">,
): MiddlewareHandler {
  return (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const path = c.req.path;
    if (cfg.csrfExempt.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : p + "/"))) {
      return next();
    }
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    const requestOrigin = new URL(c.req.url).origin;
    const sameOrigin = (o: string) => o === cfg.publicOrigin || o === requestOrigin;
    if (origin !== undefined && origin !== "null" && !sameOrigin(origin)) {
      throw new HttpError(403, "Cross-origin request refused: Origin does not match this site.", {
        code: "csrf_rejected",
      });
    }
    if (origin === "null" || (site !== undefined && site !== "same-origin" && site !== "none")) {
      throw new HttpError(403, "Cross-site request refused (Sec-Fetch-Site).", {
        code: "csrf_rejected",
      });
    }
    if (origin === undefined && site === undefined) {
      const type = c.req.header("content-type") ?? "";
      if (
        type === "" ||
        /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i.test(type)
      ) {
        throw new HttpError(
          403,
          "Form request without Origin refused; send it from this site or use a JSON API client.",
          { code: "csrf_rejected" },
        );
      }
    }
    return next();
  };
}

/**
 * 413 for bodies above `maxSize` bytes, by `Content-Length` or while streaming.
 *
 * @example
 * ```ts
 * app.use("*", bodyLimit(1024 * 1024));
 * ```
 */
export function bodyLimit(maxSize: number): MiddlewareHandler {
  return honoBodyLimit({
    maxSize,
    onError: () => {
      throw new HttpError(413, `The request body is larger than ${maxSize} bytes.`, {
        details: { limitBytes: maxSize },
      });
    },
  });
}
