// The ftrig fifodir protocol of s6's event/ directories.
// Listener: mkfifo `.ftrig1:@<tai>:<rand>`, open it (read end + a kept write end), rename it to
// `ftrig1:@<tai>:<rand>` (39 characters). Notifier: open each such FIFO O_WRONLY|O_NONBLOCK,
// write the event bytes, close; unlink the ones nobody reads (ENXIO, EPIPE).
import { chmodSync, chownSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, renameSync, statSync,
  unlinkSync, writeSync, constants as C } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FifoReader } from './fifo.js';
import { mkfifo } from '../native/index.js';
import { taiNow, tainLabel } from './tai.js';

const PREFIX = 'ftrig1:@';
const NAME_LEN = 39;
const RANDOM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz-_0123456789abcdef';

const isListenerFifo = (name: string): boolean => name.length === NAME_LEN && name.startsWith(PREFIX);

/** Sends `event` to every listener of `dir`; returns how many got it. */
export function notify(dir: string, event: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const bytes = Buffer.from(event, 'latin1');
  let n = 0;
  for (const name of names) {
    if (!isListenerFifo(name)) continue;
    const path = join(dir, name);
    let fd: number;
    try {
      fd = openSync(path, C.O_WRONLY | C.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENXIO') unlinkQuietly(path);
      continue;
    }
    try {
      if (writeSync(fd, bytes) === bytes.length) n++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') unlinkQuietly(path);
    } finally {
      closeSync(fd);
    }
  }
  return n;
}

/** ftrigw_clean: removes listener FIFOs nobody reads any more. */
export function cleanFifodir(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!isListenerFifo(name)) continue;
    const path = join(dir, name);
    try {
      closeSync(openSync(path, C.O_WRONLY | C.O_NONBLOCK));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENXIO') unlinkQuietly(path);
    }
  }
}

/** ftrigw_fifodir_make: restricted (03730, group `gid`) or public (01733, gid -1). An existing
 * directory must be ours; it is re-moded only when `force`. */
export function makeFifodir(dir: string, gid: number, force: boolean): void {
  const mode = gid >= 0 ? 0o3730 : 0o1733;
  let created = false;
  try {
    mkdirSync(dir, 0o700);
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const st = statSync(dir);
    if (!st.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR', errno: 20 });
    if (st.uid !== process.geteuid!()) throw Object.assign(new Error('permission denied'), { code: 'EACCES', errno: 13 });
  }
  if (created || force) {
    if (gid >= 0) chownSync(dir, -1, gid);
    chmodSync(dir, mode);
  }
}

/** The random part of a listener FIFO's name: it only has to be unlikely to collide in the
 * directory (mkfifo's EEXIST makes the caller pick another), so no cryptographic source. */
export function randomSuffix(n = 6): string {
  let s = '';
  for (let i = 0; i < n; i++) s += RANDOM_CHARS[Math.floor(Math.random() * RANDOM_CHARS.length)];
  return s;
}

/** One subscription to a fifodir: every event byte written there reaches `onEvent`. */
export class FifodirListener {
  private reader: FifoReader | null = null;
  readonly path: string;

  /** `lazy`: events are read from listen() on (they wait in the FIFO until then). */
  constructor(readonly dir: string, onEvent: (bytes: string) => void, lazy = false) {
    for (;;) {
      const base = `${PREFIX.slice(0, -1)}${tainLabel(taiNow())}:${randomSuffix()}`;
      const tmp = join(dir, '.' + base);
      try {
        mkfifo(tmp, 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      try {
        this.reader = new FifoReader(tmp, (chunk) => onEvent(chunk.toString('latin1')), lazy);
        this.path = join(dir, base);
        renameSync(tmp, this.path);
      } catch (e) {
        this.reader?.close();
        unlinkQuietly(tmp);
        throw e;
      }
      return;
    }
  }

  listen(): void {
    this.reader?.start();
  }

  /** For a lazy listener waited on with a blocking poll: its FIFO, and a read of what is there. */
  get fd(): number {
    return this.reader ? this.reader.fd : -1;
  }

  readNow(): void {
    this.reader?.readNow();
  }

  /** Whether a pending subscription keeps the process alive. */
  ref(on: boolean): void {
    this.reader?.ref(on);
  }

  close(): void {
    if (!this.reader) return;
    unlinkQuietly(this.path);
    this.reader.close();
    this.reader = null;
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch { /* already gone */ }
}

/** trymkdir of s6-supervise: creates DIR (0700) or accepts an existing directory, following a
 * dangling symlink to create its target. True when it created something. */
export function tryMkdir(path: string): boolean {
  try {
    mkdirSync(path, 0o700);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = lstatSync(path);
  if (st.isSymbolicLink()) {
    try {
      if (statSync(path).isDirectory()) return false;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(resolve(dirname(path), readlinkSync(path)), 0o700);
      return true;
    }
  } else if (st.isDirectory()) return false;
  throw Object.assign(new Error(`${path} exists and is not a directory`), { code: 'ENOTDIR', notDirectory: true });
}
