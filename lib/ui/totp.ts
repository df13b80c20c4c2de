/**
 * What the account page shows while an authenticator is being set up: the QR code as an
 * `<img>` data URI (CSP allows `img-src data:`, and an image cannot run script), and the secret
 * as text for apps that cannot scan.
 *
 * @module
 */
import QRCode from "qrcode";
import { Secret, TOTP } from "otpauth";
import type { Services } from "../services.ts";
import { totpEnrolmentKey } from "../auth/account.ts";
import { openString } from "../auth/keys.ts";
import { appSecretOf } from "../auth/secret.ts";
import { TOTP_SEAL_PURPOSE } from "../auth/signin.ts";
import { TOTP_DIGITS, TOTP_PERIOD_S } from "../auth/totp.ts";

/** An enrolment as the page renders it. */
export interface EnrolmentView {
  secret: string;
  qrDataUri: string;
}

/**
 * An SVG document as a base64 `data:` URI for `<img src>`.
 *
 * @example
 * ```ts
 * svgDataUri('<svg xmlns="http://www.w3.org/2000/svg"/>') // "data:image/svg+xml;base64,PHN2…"
 * ```
 */
export function svgDataUri(svg: string): string {
  if (!/^<svg[\s>]/.test(svg.trimStart())) throw new TypeError("Expected an <svg> document");
  return `data:image/svg+xml;base64,${new TextEncoder().encode(svg).toBase64()}`;
}

/**
 * The enrolment started within the last 10 minutes, for showing it again after a mistyped
 * code (the QR code is rebuilt from the sealed secret), or null when none is pending.
 */
export async function pendingEnrolment(
  services: Services,
  user: { id: string; email: string },
): Promise<EnrolmentView | null> {
  const sealed = await services.kv.get<string>(totpEnrolmentKey(user.id));
  if (sealed.value === null) return null;
  const secret = await openString(appSecretOf(services.config), TOTP_SEAL_PURPOSE, sealed.value);
  const uri = new TOTP({
    issuer: "VPS Sentry",
    label: user.email,
    secret: Secret.fromBase32(secret),
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
  }).toString();
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 4 });
  return { secret, qrDataUri: svgDataUri(svg) };
}
