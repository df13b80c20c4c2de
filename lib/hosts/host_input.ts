/**
 * Validating host registry input (name, slug, group, tags, fleet scopes, rollout priority,
 * paused, heartbeat interval): one zod schema, errors that name the field.
 *
 * @module
 */

import { z } from "zod";
import { validate } from "../http/input.ts";

const TAG = /^[a-z0-9._-]{1,32}$/;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/;
const CONTROL = /\p{Cc}/u;

const uniqueList = (items: string[]) => [...new Set(items)];

/** What a per-host heartbeat interval may be (agent-protocol Part 5). */
export const HEARTBEAT_MINUTES_HINT =
  "expected whole minutes from 1 to 1440 between pushes, or leave empty for the default";

const HostFields = {
  name: z.string().trim().min(1, "required").max(80, "at most 80 characters")
    .refine((v) => !CONTROL.test(v), "must not contain control characters"),
  slug: z.string().trim().toLowerCase().regex(
    SLUG,
    "3-40 characters: lowercase letters, digits and '-' (not at either end), e.g. \"web-1\"",
  ),
  group: z.string().trim().max(40, "at most 40 characters")
    .refine((v) => !CONTROL.test(v), "must not contain control characters")
    .nullable().transform((v) => v ? v : null),
  tags: z.array(
    z.string().trim().toLowerCase().regex(
      TAG,
      "each tag: 1-32 characters of a-z, 0-9, '.', '_', '-'",
    ),
  ).max(20, "at most 20 tags").transform(uniqueList),
  scopes: z.array(
    z.string().trim().min(1, "each scope: 1-64 characters").max(64, "each scope: 1-64 characters")
      .refine((v) => !CONTROL.test(v), "must not contain control characters"),
  ).max(20, "at most 20 scopes").transform(uniqueList),
  rolloutPriority: z.number().int("must be an integer").min(-100, "at least -100")
    .max(100, "at most 100"),
  paused: z.boolean(),
  heartbeatExpectedMinutes: z.number({ error: HEARTBEAT_MINUTES_HINT })
    .int(HEARTBEAT_MINUTES_HINT).min(1, HEARTBEAT_MINUTES_HINT).max(1_440, HEARTBEAT_MINUTES_HINT)
    .nullable(),
};

/** Input of `createHost`; the slug defaults to one derived from the name. */
const HostInputSchema = z.strictObject({
  name: HostFields.name,
  slug: HostFields.slug.optional(),
  group: HostFields.group.optional(),
  tags: HostFields.tags.optional(),
  scopes: HostFields.scopes.optional(),
  rolloutPriority: HostFields.rolloutPriority.optional(),
  paused: HostFields.paused.optional(),
  heartbeatExpectedMinutes: HostFields.heartbeatExpectedMinutes.optional(),
});

/** A patch of `updateHost`: every field optional. */
const HostPatchSchema = HostInputSchema.partial();

/** A validated new host. */
export type HostInput = z.output<typeof HostInputSchema>;
/** A validated change to a host. */
export type HostPatch = z.output<typeof HostPatchSchema>;

/**
 * Validates a new host (`partial: false`, the default) or a patch. 400 `invalid_input` naming
 * the field (`details.issues`) otherwise. Strings are trimmed; tags lower-cased and de-duplicated.
 *
 * @example
 * ```ts
 * const input = validateHostInput({ name: "web 1", tags: ["prod", "eu"] });
 * const patch = validateHostInput({ paused: true }, { partial: true });
 * ```
 */
export function validateHostInput(value: unknown): HostInput;
export function validateHostInput(value: unknown, options: { partial: true }): HostPatch;
export function validateHostInput(
  value: unknown,
  options: { partial?: boolean } = {},
): HostInput | HostPatch {
  return options.partial ? validate(HostPatchSchema, value) : validate(HostInputSchema, value);
}

/**
 * A slug from a name: lower-case, runs of other characters become `-`, 3-40 characters.
 *
 * @example
 * ```ts
 * slugFromName("Web 1 (Frankfurt)"); // "web-1-frankfurt"
 * slugFromName("db");                // "db-host"
 * ```
 */
export function slugFromName(name: string): string {
  let slug = name.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  if (slug.length < 3) slug = slug ? `${slug}-host` : "host";
  return slug;
}
