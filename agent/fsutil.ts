/**
 * File helpers for the runner's state (agent-protocol §2.1): every file the protocol depends on
 * is written to a temporary file, fsynced and renamed into place (then the directory is
 * fsynced), mode 0600 in 0700 directories.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Writes `data` to `path` atomically and durably: temp file in the same directory, fsync,
 * chmod `mode`, rename, fsync of the directory.
 *
 * @example
 * ```ts
 * await writeFileAtomic("/var/lib/vps-sentry-runner/seq.json", JSON.stringify(seq));
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  mode = 0o600,
): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const slash = path.lastIndexOf("/");
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  const tmp = `${dir}/.${path.slice(slash + 1)}.${crypto.randomUUID()}.tmp`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } catch (error) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  file.close();
  await Deno.chmod(tmp, mode);
  await Deno.rename(tmp, path);
  await syncDir(dir);
}

/** Fsyncs a directory so a rename in it is durable (best effort). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

/**
 * Parses a JSON file, or null when it does not exist. A file that is not JSON throws an error
 * naming the path.
 *
 * @example
 * ```ts
 * const seq = await readJsonFile(`${stateDir}/seq.json`);
 * ```
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON; restore it from backup or re-enroll`);
  }
}

/**
 * Writes `value` as pretty JSON with {@link writeFileAtomic}.
 *
 * @example
 * ```ts
 * await writeJsonAtomic(`${stateDir}/state.json`, state);
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n", mode);
}

/**
 * Creates `path` (and parents) and sets its mode (default 0700).
 *
 * @example
 * ```ts
 * await ensureDir("/var/lib/vps-sentry-runner");
 * ```
 */
export async function ensureDir(path: string, mode = 0o700): Promise<void> {
  await Deno.mkdir(path, { recursive: true, mode });
  await Deno.chmod(path, mode);
}

/** True when `path` exists (lstat: a dangling symlink exists). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
