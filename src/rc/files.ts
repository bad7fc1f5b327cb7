// Small file helpers shared by the rc tools: bounded reads, recursive copies that keep
// symlinks, FIFOs and modes (skalibs' hiercopy), and removing trees quietly.
import { chmodSync, closeSync, copyFileSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync,
  readSync, rmSync, statSync, symlinkSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../native/index.js';

/** Reads at most `max` bytes of `path`; null when it does not exist. */
export function readHead(path: string, max: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const buf = Buffer.alloc(max);
    let n = 0;
    while (n < max) {
      const r = readSync(fd, buf, n, max - n, null);
      if (!r) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

const asRoot = process.geteuid?.() === 0;

/** Recursive copy of a directory, keeping symlinks as symlinks, FIFOs, modes (and owners
 * when run as root). `dst` must not exist, or be a directory (then the contents merge). */
export function hierCopy(src: string, dst: string): void {
  const st = lstatSync(src);
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dst);
  } else if (st.isDirectory()) {
    try {
      mkdirSync(dst, 0o700);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dst).isDirectory()) throw e;
    }
    for (const name of readdirSync(src)) hierCopy(join(src, name), join(dst, name));
    chmodSync(dst, st.mode & 0o7777);
  } else if (st.isFIFO()) {
    mkfifo(dst, st.mode & 0o7777);
    chmodSync(dst, st.mode & 0o7777);
  } else if (st.isFile()) {
    copyFileSync(src, dst);
    chmodSync(dst, st.mode & 0o7777);
  } else {
    throw Object.assign(new Error(`${src}: unsupported file type`), { code: 'EINVAL', errno: 22 });
  }
  if (asRoot) {
    try {
      lchownSync(dst, st.uid, st.gid);
    } catch { /* not fatal: hiercopy does the same */ }
  }
}

export function rmQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch { /* best effort */ }
}

/** strcmp order on the UTF-8 bytes, as the C tools sort names. */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
