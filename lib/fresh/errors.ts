/**
 * `HttpError` and the project's one JSON error shape,
 * `{ ok: false, error: { code, message, details? } }`.
 */

/** Stable machine codes for the statuses the app answers with. */
const STATUS_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  410: "gone",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  429: "rate_limited",
  500: "internal",
  501: "not_implemented",
  502: "bad_gateway",
  503: "unavailable",
  504: "timeout",
};

/** Default public texts; an `HttpError` may give a more precise one. */
const STATUS_TEXTS: Record<number, string> = {
  400: "The request is malformed.",
  401: "Sign in to continue.",
  403: "You are not allowed to do this.",
  404: "Nothing is here.",
  405: "This method is not allowed here.",
  409: "The request conflicts with the current state.",
  413: "The request body is too large.",
  429: "Too many requests; retry later.",
  500: "Something went wrong on our side.",
  503: "The service is not ready; retry shortly.",
};

/** Machine code for a status, e.g. `errorCodeFor(404) === "not_found"`. */
export function errorCodeFor(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? "internal" : "bad_request");
}

/** Public default text for a status. */
export function defaultMessageFor(status: number): string {
  return STATUS_TEXTS[status] ?? (status >= 500 ? STATUS_TEXTS[500] : STATUS_TEXTS[400]);
}

export interface HttpErrorOptions extends ErrorOptions {
  /** Machine code; defaults from the status (`not_found`, `conflict`, …). */
  code?: string;
  /** Public, structured detail, e.g. `{ field: "name" }`. Never secrets. */
  details?: unknown;
  /** Extra response headers, e.g. `Allow` or `Retry-After`. */
  headers?: HeadersInit;
}

/**
 * An error whose status and message are safe to show to the client.
 *
 * @example
 * ```ts
 * throw new HttpError(404);                          // "Nothing is here."
 * throw new HttpError(400, "name: required", { details: { field: "name" } });
 * ```
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  readonly headers?: HeadersInit;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be 400-599, got ${status}`);
    }
    super(message ?? defaultMessageFor(status), options);
    this.name = "HttpError";
    this.status = status;
    this.code = options.code ?? errorCodeFor(status);
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** The body of every JSON error. */
export interface ErrorBody {
  ok: false;
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

/**
 * Builds the JSON error body; only an `HttpError`'s message is public.
 *
 * @example
 * ```ts
 * errorBody(new HttpError(409, "Name taken")) // { ok: false, error: { code: "conflict", … } }
 * ```
 */
export function errorBody(error: unknown, requestId?: string): { status: number; body: ErrorBody } {
  const http = error instanceof HttpError ? error : undefined;
  const status = http?.status ?? 500;
  const body: ErrorBody = {
    ok: false,
    error: {
      code: http?.code ?? errorCodeFor(status),
      message: http?.message ?? defaultMessageFor(status),
    },
  };
  if (http?.details !== undefined) body.error.details = http.details;
  if (requestId) body.error.requestId = requestId;
  return { status, body };
}
