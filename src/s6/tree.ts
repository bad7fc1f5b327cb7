// Service directory trees, copied and removed. hiercopy is skalibs', which s6-rc-compile,
// s6-rc-init and s6-instance-create use: a recursive copy where files keep their modes, symlinks stay symlinks and FIFOs are made again; run as
// root, owners are kept too. Sockets and devices have no place in a service directory and
// are skipped.
import { chmodSync, copyFileSync, lchownSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../native/index.js';

const asRoot = process.geteuid?.() === 0;

/** Copies `src` to `dst`. A directory may land on an existing directory (the contents
 * merge). With `followTop`, a top-level symlink is copied as what it points to (a template
 * may be a link to a directory). */
export function hiercopy(src: string, dst: string, opts: { followTop?: boolean } = {}): void {
  copyEntry(src, dst, opts.followTop ? statSync(src) : lstatSync(src));
}

function copyEntry(src: string, dst: string, st: Stats): void {
  if (st.isDirectory()) {
    try {
      mkdirSync(dst, 0o700);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dst).isDirectory()) throw e;
    }
    for (const name of readdirSync(src)) copyEntry(join(src, name), join(dst, name), lstatSync(join(src, name)));
  } else if (st.isFile()) {
    copyFileSync(src, dst);
  } else if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dst);
  } else if (st.isFIFO()) {
    mkfifo(dst, 0o600);
  } else return;
  if (asRoot) {
    try {
      lchownSync(dst, st.uid, st.gid);
    } catch { /* ownership is best effort, as in hiercopy */ }
  }
  // after chown, which clears the set-id bits
  if (!st.isSymbolicLink()) chmodSync(dst, st.mode & 0o7777);
}

/** rm -rf: a path that is already gone is fine. A supervisor that is still exiting may write
 * its last status in the tree meanwhile (ENOTEMPTY): the whole removal is tried again (Node's
 * own retry only repeats the last rmdir); other errors are thrown. */
export function rmrf(path: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(path, { recursive: true, force: true });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || attempt >= 50) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
