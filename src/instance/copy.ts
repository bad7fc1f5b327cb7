// Recursive copy and removal of service directories (skalibs' hiercopy and rm_rf): files keep
// their modes, symlinks stay symlinks, FIFOs are recreated; when running as root, owners are
// kept too. Directories are created 0700 and given their mode once filled.
import { chmodSync, copyFileSync, lchownSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../native/index.js';

export function hiercopy(src: string, dst: string): void {
  const st = statSync(src); // the top is followed: a template may be a symlink to a directory
  copyEntry(src, dst, st, process.geteuid?.() === 0);
}

function copyEntry(src: string, dst: string, st: Stats, keepOwner: boolean): void {
  if (st.isDirectory()) {
    mkdirSync(dst, 0o700);
    for (const name of readdirSync(src)) copyEntry(join(src, name), join(dst, name), lstatSync(join(src, name)), keepOwner);
  } else if (st.isFile()) {
    copyFileSync(src, dst);
  } else if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dst);
  } else if (st.isFIFO()) {
    mkfifo(dst, 0o600);
  } else return; // sockets and devices have no place in a service directory
  if (keepOwner) {
    try {
      lchownSync(dst, st.uid, st.gid);
    } catch { /* as hiercopy: ownership is best effort */ }
  }
  // after chown, which clears the set-id bits
  if (!st.isSymbolicLink()) chmodSync(dst, st.mode & 0o7777);
}

/** rm -rf, quietly: a path that is already gone is fine. */
export function rmrf(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

