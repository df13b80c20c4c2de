/** Input schemas of the operator API and forms: limits stated once, errors name the field. */
import { z } from "zod";
import { ROLES } from "./roles.ts";

export const Email = z.string().trim().toLowerCase().max(254, "at most 254 characters").pipe(
  z.email("must be an e-mail address like ops@example.com"),
);
/** Strength rules live in validatePassword; this only bounds the size. */
export const PasswordField = z.string().min(1, "required").max(256, "at most 256 characters");
export const NameField = z.string().trim().min(1, "required").max(120, "at most 120 characters");
export const OrgNameField = z.string().trim().min(2, "at least 2 characters").max(
  80,
  "at most 80 characters",
);
export const SlugField = z.string().trim().toLowerCase().regex(
  /^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/,
  "3-40 characters: lowercase letters, digits and '-' (not at either end)",
);
export const RoleField = z.enum(ROLES, `must be one of ${ROLES.join(", ")}`);
export const TokenField = z.string().regex(/^[A-Za-z0-9_-]{20,200}$/, "is not a valid token");
export const CodeField = z.string().trim().min(6, "enter the 6-digit code or a recovery code").max(
  20,
  "at most 20 characters",
);
export const NextPath = z.string().max(2000).regex(/^\/(?![\/\\])/, "must be a path on this site")
  .optional();

export const SignInInput = z.strictObject({ email: Email, password: PasswordField });
export const MfaInput = z.strictObject({ mfaToken: TokenField, code: CodeField });
export const EmailInput = z.strictObject({ email: Email });
export const TokenInput = z.strictObject({ token: TokenField });
export const ResetConfirmInput = z.strictObject({ token: TokenField, password: PasswordField });
export const ChangePasswordInput = z.strictObject({
  currentPassword: PasswordField,
  newPassword: PasswordField,
});
export const SetupInput = z.strictObject({
  name: NameField,
  email: Email,
  password: PasswordField,
  orgName: OrgNameField,
  orgSlug: SlugField,
});
export const InviteInput = z.strictObject({ email: Email, role: RoleField });
export const RoleChangeInput = z.strictObject({ role: RoleField });
export const SwitchOrgInput = z.strictObject({ orgId: z.string().min(1).max(64) });
/** The set-up step takes only the authenticator's code (recovery codes exist only after it). */
export const SetupCodeField = z.string().trim().regex(
  /^\d{6}$/,
  "enter the 6-digit code from your authenticator app",
);
export const TotpCodeInput = z.strictObject({ code: SetupCodeField });
export const AcceptInvitationInput = z.strictObject({ token: TokenField });
