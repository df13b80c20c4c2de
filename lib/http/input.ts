/**
 * Request bodies in, typed values out: malformed JSON, a non-object body or a
 * field failing its schema answers 400 naming the field, before anything changes.
 */
import { z } from "zod";
import { HttpError } from "../fresh/mod.ts";

/** One field problem, as clients receive it in `error.details.issues`. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** Turns zod issues into field-named ones; the first one becomes the message. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ field: i.path.join(".") || "(body)", message: i.message }));
}

function invalid(issues: FieldIssue[]): HttpError {
  const first = issues[0];
  return new HttpError(400, `${first.field}: ${first.message}`, {
    code: "invalid_input",
    details: { field: first.field, issues },
  });
}

/**
 * Validates an already-parsed value against a schema.
 *
 * @example
 * ```ts
 * const input = validate(SignInInput, await req.json());
 * ```
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(fieldIssues(result.error));
  return result.data;
}

/**
 * Reads a JSON object body and validates it.
 *
 * @example
 * ```ts
 * const { email } = await readJson(ctx.req, z.object({ email: z.email() }));
 * ```
 */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, "Send the body as JSON with Content-Type: application/json.", {
      code: "unsupported_media_type",
    });
  }
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new HttpError(400, "The body is not valid JSON.", {
      code: "invalid_json",
      details: { field: "(body)" },
    });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "The body must be a JSON object.", {
      code: "invalid_input",
      details: { field: "(body)" },
    });
  }
  return validate(schema, body);
}

/** Any JSON object, for handlers whose domain layer validates the fields itself. */
export const JsonObject = z.record(z.string(), z.unknown());

/** Form fields as a plain object (last value wins; files are refused). */
export async function formObject(req: Request): Promise<Record<string, string>> {
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    throw new HttpError(400, "The form could not be read.", { code: "invalid_input" });
  }
  const out: Record<string, string> = {};
  for (const [key, value] of form) {
    if (typeof value !== "string") throw new HttpError(400, `${key}: files are not accepted here.`);
    out[key] = value;
  }
  return out;
}

/**
 * Validates a form; returns issues instead of throwing, so a page can re-render with them.
 *
 * @example
 * ```ts
 * const parsed = await readForm(ctx.req, SetupForm);
 * if (!parsed.ok) return page({ errors: parsed.issues, values: parsed.values });
 * ```
 */
export async function readForm<S extends z.ZodType>(
  req: Request,
  schema: S,
): Promise<
  { ok: true; data: z.output<S>; values: Record<string, string> } | {
    ok: false;
    issues: FieldIssue[];
    values: Record<string, string>;
  }
> {
  const values = await formObject(req);
  const result = schema.safeParse(values);
  return result.success
    ? { ok: true, data: result.data, values }
    : { ok: false, issues: fieldIssues(result.error), values };
}
