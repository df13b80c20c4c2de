/**
 * An enrolled runner ready to talk to the control plane: its context, state paths, stored
 * state and request signer. Loaded once per command.
 *
 * @module
 */

import type { RunnerContext } from "./context.ts";
import { type Signer, signerFromJwk } from "./sign.ts";
import {
  initStateDir,
  loadKey,
  loadState,
  type RunnerState,
  saveState,
  type StatePaths,
} from "./state.ts";

/** An enrolled runner. */
export interface Runtime {
  ctx: RunnerContext;
  paths: StatePaths;
  /** The state as loaded; reload with {@link reloadState} after another process changed it. */
  state: RunnerState;
  signer: Signer;
}

/** The runner is not enrolled, or stopped; `exitCode` says how the CLI should exit. */
export class NotReadyError extends Error {
  override name = "NotReadyError";
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/**
 * Loads state and key from `ctx.config.stateDir`. Throws {@link NotReadyError} (exit 78) when
 * the runner is not enrolled.
 *
 * @example
 * ```ts
 * const rt = await openRuntime(ctx);
 * ```
 */
export async function openRuntime(ctx: RunnerContext): Promise<Runtime> {
  const paths = await initStateDir(ctx.config.stateDir);
  const state = await loadState(paths.dir);
  const key = await loadKey(paths.dir);
  if (!state || !key) {
    throw new NotReadyError(
      `not enrolled (no state in ${paths.dir}); run: vps-sentry-runner enroll --base-url … ` +
        `--host-id … --token …`,
      78,
    );
  }
  if (key.keyId !== state.keyId) {
    throw new NotReadyError(`${paths.key} does not match state.json; re-enroll the runner`, 78);
  }
  const signer = await signerFromJwk(state.hostId, key.keyId, key.privateJwk);
  return { ctx, paths, state, signer };
}

/**
 * Re-reads `state.json` into `rt.state` (pinned keys or the stop flag may have changed).
 *
 * @example
 * ```ts
 * await reloadState(rt);
 * ```
 */
export async function reloadState(rt: Runtime): Promise<RunnerState> {
  rt.state = (await loadState(rt.paths.dir)) ?? rt.state;
  return rt.state;
}

/**
 * Records that the control plane refused the key (`unknown_key`/`key_revoked`): every sender
 * and the poller stop until the runner is re-enrolled.
 *
 * @example
 * ```ts
 * await markStopped(rt, "key_revoked");
 * ```
 */
export async function markStopped(rt: Runtime, code: string): Promise<void> {
  const state = await reloadState(rt);
  if (state.stopped) return;
  state.stopped = { code, at: new Date(rt.ctx.now()).toISOString() };
  await saveState(rt.paths.dir, state);
  rt.ctx.log.error("reenrollment_required", {
    code,
    message: "The control plane refused this runner key; sending and polling stopped. Create " +
      "an enrollment token for the host and run `vps-sentry-runner enroll` again.",
  });
}
