// Where einhorn's default command socket, pidfile and lockfile live: einhorn's `$TMPDIR` when it is
// set (einhorn's own knob), else /tmp for root, else the user's runtime directory
// ($XDG_RUNTIME_DIR, or a private /tmp/hexad-UID): the same defaults for two users would collide.
import { join } from 'node:path';
import { currentUid, isRoot, userRuntimeDir, userRuntimeDirPath } from '../s6/runtime-dir.js';

function rubyTmpdir(tmpdir: string): string {
  return tmpdir.replace(/(.)\/+$/, '$1');
}

/** The directory for the master's default files; creates the per-user one if needed. */
export function defaultFilesDir(env: NodeJS.ProcessEnv = process.env, uid = currentUid()): string {
  if (env.TMPDIR) return rubyTmpdir(env.TMPDIR);
  return isRoot(uid) ? '/tmp' : userRuntimeDir(env, uid);
}

/** The same directory for a client: nothing is created. */
export function defaultFilesDirPath(env: NodeJS.ProcessEnv = process.env, uid = currentUid()): string {
  if (env.TMPDIR) return rubyTmpdir(env.TMPDIR);
  return isRoot(uid) ? '/tmp' : userRuntimeDirPath(env, uid);
}

export function defaultBase(cmdName?: string | null): string {
  return cmdName ? `einhorn-${cmdName}` : 'einhorn';
}

export function defaultSocketPath(cmdName?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultFilesDirPath(env), `${defaultBase(cmdName)}.sock`);
}
