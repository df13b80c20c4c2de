/** The host runner's version, sent at enrollment and in every snapshot's `runner` member. */
export const RUNNER_VERSION = "0.1.0";
