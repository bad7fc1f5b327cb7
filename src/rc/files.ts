// Small file helpers shared by the rc tools: bounded reads, existence, removing trees quietly.
import { closeSync, lstatSync, openSync, readSync, rmSync, constants as C } from 'node:fs';

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

export function rmQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch { /* best effort */ }
}

/** strcmp order on the UTF-8 bytes, as the C tools sort names. */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
