/**
 * A slug suggested from a name: lower-case ASCII letters and digits joined by "-", 3-40
 * characters, valid for `validateSlug`.
 *
 * @example
 * ```ts
 * slugFrom("Acme Ops (EU)") // "acme-ops-eu"
 * slugFrom("Zürich") // "zurich"
 * ```
 */
export function slugFrom(name: string): string {
  const base = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  if (base.length === 0) return "org";
  return base.length < 3 ? `${base}-org` : base;
}
