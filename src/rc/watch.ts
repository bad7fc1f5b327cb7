// Waiting for one service to reach a state, as `s6-svc -uwU|-uwu|-dwD` does: subscribe to its
// event/ fifodir first (the ftrig protocol), then read supervise/status, then follow the
// events. The same logic as src/s6/svlisten.ts for one directory, trimmed for the change
// engine, which holds one of these per transition in flight: no crypto (the FIFO name's
// random part only has to be unique in the directory), no mkdir when the directory exists.
import { chmodSync, chownSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../native/index.js';
import { FifoReader } from '../s6/fifo.js';
import { isUp, readStatus } from '../s6/status.js';
import { taiNow, tainLabel } from '../s6/tai.js';

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz-_0123456789abcdef';
const suffix = (): string => {
  let s = '';
  for (let i = 0; i < 6; i++) s += CHARS[Math.floor(Math.random() * 64)];
  return s;
};

/** Opens a listener FIFO in `eventDir` (created when missing) and renames it into view. */
function subscribe(eventDir: string, onEvent: (bytes: string) => void): { reader: FifoReader; path: string } {
  for (let tries = 0; ; tries++) {
    const base = `ftrig1:${tainLabel(taiNow())}:${suffix()}`;
    const tmp = join(eventDir, '.' + base);
    try {
      mkfifo(tmp, 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && tries < 10) continue;
      if (code === 'ENOENT' && tries < 10) {
        makeEventDir(eventDir);
        continue;
      }
      throw e;
    }
    let reader: FifoReader | null = null;
    try {
      reader = new FifoReader(tmp, (chunk) => onEvent(chunk.toString('latin1')));
      const path = join(eventDir, base);
      renameSync(tmp, path);
      return { reader, path };
    } catch (e) {
      reader?.close();
      unlinkQuietly(tmp);
      throw e;
    }
  }
}

/** A restricted fifodir (03730, our group), as s6-supervise makes it (and s6-svlisten when
 * the supervisor has not made it yet). */
function makeEventDir(dir: string): void {
  try {
    mkdirSync(dir, 0o700);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  chownSync(dir, -1, process.getegid!());
  chmodSync(dir, 0o3730);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch { /* gone already */ }
}

export class TimedOut extends Error {}

export class ServiceWatch {
  private up: boolean;
  private ready: boolean;
  private readonly queue: string[] = [];
  private wake: (() => void) | null = null;
  private sub: { reader: FifoReader; path: string } | null;

  /** Throws a Node error when the subscription or the status read fails. */
  constructor(readonly dir: string) {
    this.sub = subscribe(join(dir, 'event'), (bytes) => {
      for (const c of bytes) if ('DuUdOx'.includes(c)) this.queue.push(c);
      const w = this.wake;
      this.wake = null;
      w?.();
    });
    try {
      const st = readStatus(dir);
      this.up = isUp(st);
      this.ready = st.ready;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Resolves 0 at the state, 1 when the service failed permanently (`O` while waiting for
   * up) or its supervisor exited (`x`); rejects with TimedOut at `deadline` (ms, Infinity). */
  async wait(up: boolean, ready: boolean, deadline: number): Promise<number> {
    const got = (): boolean => this.up === up && (!ready || this.ready);
    if (got()) return 0;
    for (;;) {
      while (this.queue.length) {
        const c = this.queue.shift()!;
        if (c === 'x') return got() ? 0 : 1;
        if (c === 'O') {
          if (up) return 1;
          continue;
        }
        const d = 'dDuU'.indexOf(c);
        this.up = (d & 2) !== 0;
        this.ready = (d & 1) !== 0;
        if (got()) return 0;
      }
      await new Promise<void>((resolve, reject) => {
        let timer: NodeJS.Timeout | null = null;
        if (deadline !== Infinity) {
          timer = setTimeout(() => {
            this.wake = null;
            reject(new TimedOut());
          }, Math.max(0, deadline - Date.now()));
        }
        this.wake = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    if (!this.sub) return;
    unlinkQuietly(this.sub.path);
    this.sub.reader.close();
    this.sub = null;
  }
}
