// The service-directory files s6-supervise re-reads every time it needs them.
import { closeSync, openSync, readSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { parseSignal } from '../s6/signals.js';
import type { Warn } from '../s6/diag.js';
import { errText } from '../s6/diag.js';

/** read_file: the first line of at most `max` bytes; null when absent (or unreadable, with a warning). */
export function readFirstLine(dir: string, file: string, max: number, warn: Warn): string | null {
  let fd: number;
  try {
    fd = openSync(join(dir, file), C.O_RDONLY | C.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn(`unable to open ${file}: ${errText(e)}`);
    return null;
  }
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, null);
    const s = buf.subarray(0, n).toString('latin1');
    const nl = s.indexOf('\n');
    return nl < 0 ? s : s.slice(0, nl);
  } catch (e) {
    warn(`unable to open ${file}: ${errText(e)}`);
    return null;
  } finally {
    closeSync(fd);
  }
}

const UINT_FMT = 11;

/** read_uint: a decimal on the first line; null (with `invalid FILE`) when it is not one. */
export function readUint(dir: string, file: string, warn: Warn): number | null {
  const s = readFirstLine(dir, file, UINT_FMT, warn);
  if (s === null) return null;
  if (!/^\d+$/.test(s)) {
    warn(`invalid ${file}`);
    return null;
  }
  return Number(s);
}

/** down-signal: a name or number; SIGTERM when absent or invalid (with a warning). */
export function readDownSignal(dir: string, warn: Warn): number {
  const s = readFirstLine(dir, 'down-signal', 15, warn);
  if (s === null) return 15;
  const n = parseSignal(s);
  if (n === null) {
    warn('invalid down-signal');
    return 15;
  }
  return n;
}
