// Lock files as s6 uses them: a POSIX write lock on the whole file means "a supervisor runs".
// Caution: fcntl locks belong to the process, and closing *any* descriptor of the file drops
// them, so never call isLocked() on a file this process holds.
import { closeSync, openSync, constants as C } from 'node:fs';
import { lock, lockHolder } from '../native/index.js';

/** Opens (creating with `mode`) and write-locks `path`; the fd, or null when held by another process. */
export function tryLockFile(path: string, mode = 0o644): number | null {
  const fd = openSync(path, C.O_WRONLY | C.O_NONBLOCK | C.O_CREAT, mode);
  try {
    if (lock(fd, 'w', false)) return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  closeSync(fd);
  return null;
}

/** Opens and locks `path` with a shared or exclusive lock, waiting when `wait`. */
export function lockFile(path: string, type: 'r' | 'w', wait: boolean, create = true): number | null {
  const flags = (type === 'w' ? C.O_RDWR : C.O_RDONLY) | (create ? C.O_CREAT : 0);
  const fd = openSync(path, flags, 0o644);
  try {
    if (lock(fd, type, wait)) return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  closeSync(fd);
  return null;
}

/** s6_svc_ok / fd_islocked: does another process hold a write lock on `path`? Missing file: false. */
export function isLocked(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  try {
    return lockHolder(fd, 'r') !== 0;
  } finally {
    closeSync(fd);
  }
}

/** The pid of the process holding a write lock on `path` (another process), or 0. */
export function lockHolderPid(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY);
  } catch {
    return 0;
  }
  try {
    return lockHolder(fd, 'r');
  } catch {
    return 0;
  } finally {
    closeSync(fd);
  }
}
