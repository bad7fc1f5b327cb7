// The last lines of a service's log: `SVC/log/current`, or the most recently written
// `SVC/log/*/current` (s6-log writes into a directory the logger's run script names, usually a
// subdirectory of log/). For the dashboard's log panel and `hexad top`.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAX_BYTES = 64 * 1024;

/** The `current` file the logger of `serviceDir` writes, or null when none is found. */
export function findLogFile(serviceDir: string): string | null {
  const logDir = join(serviceDir, 'log');
  let best: { path: string; mtime: number } | null = null;
  const consider = (path: string): void => {
    try {
      const st = statSync(path);
      if (st.isFile() && (!best || st.mtimeMs > best.mtime)) best = { path, mtime: st.mtimeMs };
    } catch { /* not there */ }
  };
  consider(join(logDir, 'current'));
  let names: string[] = [];
  try {
    names = readdirSync(logDir);
  } catch {
    return null;
  }
  for (const n of names) {
    if (n === 'supervise' || n === 'event' || n.startsWith('.')) continue;
    consider(join(logDir, n, 'current'));
  }
  return (best as { path: string } | null)?.path ?? null;
}

/** The last `lines` lines of `path` (reading at most 64 KiB from its end). */
export function tailFile(path: string, lines: number): string[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, MAX_BYTES);
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, size - len + got);
      if (n <= 0) break;
      got += n;
    }
    const all = buf.toString('utf8', 0, got).split('\n');
    if (all.at(-1) === '') all.pop();
    if (size > len) all.shift(); // a partial first line
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}
