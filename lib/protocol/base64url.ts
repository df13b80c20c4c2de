/**
 * Unpadded base64url (RFC 4648 §5), as agent-protocol §0 uses it everywhere. Pure and
 * dependency-free: the control plane and the host runner bundle share it.
 *
 * @module
 */

/**
 * base64url without padding.
 *
 * @example
 * ```ts
 * encodeBase64url(new Uint8Array([0, 1, 2])); // "AAEC"
 * ```
 */
export const encodeBase64url = (bytes: Uint8Array): string =>
  bytes.toBase64({ alphabet: "base64url", omitPadding: true });

/**
 * Decodes unpadded base64url, or null when `text` is not its canonical form (padding, other
 * alphabets and non-zero trailing bits are refused, so one value has one spelling).
 *
 * @example
 * ```ts
 * decodeBase64url("AAECAwQFBgcICQoLDA0ODw")?.length; // 16
 * ```
 */
export function decodeBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  try {
    const bytes = Uint8Array.fromBase64(text, { alphabet: "base64url" });
    return bytes.toBase64({ alphabet: "base64url", omitPadding: true }) === text ? bytes : null;
  } catch {
    return null;
  }
}
