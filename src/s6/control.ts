// Writing command bytes to a supervisor's control FIFO, with s6_svc_writectl's answers.
import { closeSync, openSync, writeSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { setNonblock } from '../native/index.js';

export type ControlResult =
  | { kind: 'ok' }
  | { kind: 'not-listening' }
  | { kind: 'bad-dir' }          // s6's -2: something is wrong with DIR/SUBDIR
  | { kind: 'error'; error: NodeJS.ErrnoException };

/** Writes `bytes` in one write() to DIR/SUBDIR/control (subdir `supervise` or `.s6-svscan`). */
export function writeControl(dir: string, subdir: string, bytes: string | Buffer): ControlResult {
  let fd: number;
  try {
    fd = openSync(join(dir, subdir, 'control'), C.O_WRONLY | C.O_NONBLOCK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENXIO') return { kind: 'not-listening' };
    if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR' && err.code !== 'EISDIR') return { kind: 'error', error: err };
    return investigate(dir, subdir);
  }
  try {
    setNonblock(fd, false);
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    if (buf.length) writeSync(fd, buf);
    return { kind: 'ok' };
  } catch (e) {
    return { kind: 'error', error: e as NodeJS.ErrnoException };
  } finally {
    closeSync(fd);
  }
}

function investigate(dir: string, subdir: string): ControlResult {
  let fd: number;
  try {
    fd = openSync(dir, C.O_RDONLY | C.O_DIRECTORY);
  } catch (e) {
    return { kind: 'error', error: e as NodeJS.ErrnoException };
  }
  closeSync(fd);
  try {
    closeSync(openSync(join(dir, subdir), C.O_RDONLY | C.O_DIRECTORY));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'not-listening' } : { kind: 'bad-dir' };
  }
  return { kind: 'bad-dir' };
}
