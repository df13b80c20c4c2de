import type { AppConfig } from "../config.ts";

/**
 * The app secret that signs sessions and seals TOTP secrets. `main.ts` resolves it
 * (from APP_SECRET or the generated file) before opening services.
 */
export function appSecretOf(config: AppConfig): string {
  if (!config.appSecret) {
    throw new Error("APP_SECRET is not resolved: call resolveAppSecret() before openServices().");
  }
  return config.appSecret;
}
