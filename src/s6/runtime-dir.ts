// Where a user's runtime files go (rc's live directory, einhorn's lock and socket) when they
// are not root: $XDG_RUNTIME_DIR when it is set and writable, else /tmp/hexad-UID (created
// 0700, refused if another user owns it), else ~/.hexad/run. Root keeps /run.
import { accessSync, lstatSync, mkdirSync, constants as C } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

function ownedPrivateDir(path: string, uid: number): boolean {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

export function userRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run';
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && xdg.startsWith('/')) {
    try {
      accessSync(xdg, C.W_OK | C.X_OK);
      return xdg;
    } catch { /* not usable: next choice */ }
  }
  const perUid = join(tmpdir(), `hexad-${uid}`);
  if (ownedPrivateDir(perUid, uid)) return perUid;
  const home = join(homedir(), '.hexad', 'run');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}
