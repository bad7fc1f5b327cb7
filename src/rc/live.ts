// The live directory (§5.4):
//   LIVE -> LIVE:s6-rc-init:XXXXXX/   compiled -> DB, scandir -> SCANDIR, prefix, state, lock,
//                                     servicedirs/<longrun>/
// and the locks every rc tool takes on it (§5.5): fcntl record locks on LIVE/lock and
// LIVE/compiled/lock. A lock belongs to the process and dies with any close of that file,
// so the descriptors stay open until the process exits, and nothing here reopens them.
import { closeSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lockFile } from '../s6/lockfile.js';
import { isRoot, userRuntimeDir, userRuntimeDirPath } from '../s6/runtime-dir.js';
import { Fatal, errText } from '../s6/diag.js';

/** /run/s6-rc for root, as s6-rc; for another user, s6-rc in that user's runtime directory. */
function userLiveDir(): string {
  try {
    return join(userRuntimeDir(), 's6-rc');
  } catch {
    return join(userRuntimeDirPath(), 's6-rc'); // unsafe or uncreatable: the command that uses it names the cause
  }
}
export const DEFAULT_LIVE = isRoot() ? '/run/s6-rc' : userLiveDir();
export const DEFAULT_COMPILED = '/etc/s6-rc/compiled';

/** Removes trailing slashes (`-l /run/s6-rc/` names the same live directory). */
export function canonPath(p: string): string {
  let s = p;
  while (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

export class BusyError extends Error {
  constructor() {
    super('Device or resource busy');
  }
}

/** Locks `path` ('r' shared, 'w' exclusive); throws BusyError when held and not waiting. */
export function takeLock(path: string, type: 'r' | 'w', wait: boolean): number {
  const fd = lockFile(path, type, wait, type === 'w');
  if (fd === null) throw new BusyError();
  return fd;
}

/** The locks of s6-rc: LIVE/lock (shared or exclusive) and LIVE/compiled/lock (shared). */
export function takeLiveLocks(live: string, exclusive: boolean, wait: boolean): number[] {
  const fds: number[] = [];
  try {
    fds.push(takeLock(join(live, 'lock'), exclusive ? 'w' : 'r', wait));
    fds.push(takeLock(join(live, 'compiled', 'lock'), 'r', wait));
  } catch (e) {
    for (const fd of fds) closeSync(fd);
    throw new Fatal(111, `unable to take locks: ${errText(e)}`);
  }
  return fds;
}

/** LIVE/state: one byte per service, bit 0 = up. */
export function readState(live: string, n: number): Uint8Array {
  let b: Buffer;
  try {
    b = readFileSync(join(live, 'state'));
  } catch (e) {
    throw new Fatal(111, `unable to read ${live}/state: ${errText(e)}`);
  }
  if (b.length < n) throw new Fatal(4, `unable to read valid state in ${live}/state`);
  const s = new Uint8Array(n);
  for (let i = 0; i < n; i++) s[i] = b[i] & 1;
  return s;
}

export function readPrefix(live: string): string {
  try {
    return readFileSync(join(live, 'prefix'), 'utf8');
  } catch (e) {
    throw new Fatal(111, `unable to read prefix for ${live}: ${errText(e)}`);
  }
}

/** The scan directory the live state is linked into (LIVE/scandir's target, absolute). */
export function scandirOf(live: string): string {
  let target: string;
  try {
    target = readlinkSync(join(live, 'scandir'));
  } catch (e) {
    throw new Fatal(111, `unable to readlink ${live}/scandir: ${errText(e)}`);
  }
  return resolve(live, target);
}

/** Where hexad svscan listens for oneshots. */
export const runnerSocket = (scandir: string): string => join(scandir, '.s6-svscan', 'hexad-runner');
