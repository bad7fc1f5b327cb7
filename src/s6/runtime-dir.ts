// Per-user runtime directory for the defaults that root keeps in shared places (/tmp, /run):
// einhorn's socket, pid and lock files, rc's live directory. One user's files must not collide
// with another's (after root ran an example, a user's run hit root's 0600 lock in /tmp).
//
// Order: $XDG_RUNTIME_DIR when it is an absolute path to a directory owned by this user; otherwise
// `${TMPDIR:-/tmp}/hexad-UID`, created mode 0700 and checked (owned by this user, not a symlink,
// not writable by others) so that nobody else can plant files there.
import { lstatSync, mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export class RuntimeDirError extends Error {}

export function currentUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

/** True for root, whose defaults stay the system-wide ones. */
export function isRoot(uid = currentUid()): boolean {
  return uid === 0;
}

/** `$XDG_RUNTIME_DIR` when usable by `uid`, else null. */
function xdgRuntimeDir(env: NodeJS.ProcessEnv, uid: number): string | null {
  const dir = env.XDG_RUNTIME_DIR;
  if (!dir || !isAbsolute(dir)) return null;
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid ? dir : null;
  } catch {
    return null;
  }
}

/** The per-uid directory under the temporary directory: its path, without creating it. */
export function perUidDir(env: NodeJS.ProcessEnv = process.env, uid = currentUid()): string {
  const tmp = env.TMPDIR && isAbsolute(env.TMPDIR) ? env.TMPDIR : '/tmp';
  return join(tmp, `hexad-${uid}`);
}

/** Where userRuntimeDir() is, without creating or checking anything (for clients looking for a
 * server's socket). */
export function userRuntimeDirPath(env: NodeJS.ProcessEnv = process.env, uid = currentUid()): string {
  return xdgRuntimeDir(env, uid) ?? perUidDir(env, uid);
}

/**
 * The runtime directory of user `uid` (created when it is the per-uid one). Throws
 * RuntimeDirError naming the path and the reason when it cannot be made safe.
 */
export function userRuntimeDir(env: NodeJS.ProcessEnv = process.env, uid = currentUid()): string {
  const xdg = xdgRuntimeDir(env, uid);
  if (xdg) return xdg;
  const dir = perUidDir(env, uid);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new RuntimeDirError(`unable to create ${dir}: ${(e as Error).message}`);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new RuntimeDirError(`${dir} is not a directory`);
  if (st.uid !== uid) throw new RuntimeDirError(`${dir} belongs to uid ${st.uid}, not to uid ${uid}`);
  if (st.mode & 0o022) throw new RuntimeDirError(`${dir} is writable by other users (mode ${(st.mode & 0o777).toString(8)})`);
  return dir;
}
