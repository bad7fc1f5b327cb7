// The logger's input through its spool (spool.ts): each time the pipe is readable, one
// splice moves up to a chunk into the spool, and the same bytes, read back, go to the
// logger. At start-up, what the previous logger spooled and never acknowledged is replayed
// first.
import { closeSync } from 'node:fs';
import { rewatch, unwatch, watchReadable } from '../native/index.js';
import type { InputHandlers } from './input.js';
import type { Spool } from './spool.js';

const RETRY_MS = 1000;

export class SpoolInput {
  private readonly big: Buffer;
  private readonly one = Buffer.allocUnsafe(1);
  private bytewise = false;
  private paused = false;
  private done = false;
  private watch = 0;
  private retry: NodeJS.Timeout | null = null;

  constructor(private fd: number, private readonly h: InputHandlers, private readonly spool: Spool,
    private readonly warn: (m: string) => void, chunkSize = 8191) {
    this.big = Buffer.allocUnsafe(chunkSize);
  }

  /** Replays what was spooled and not acknowledged, then watches the pipe. */
  start(): void {
    const sp = this.spool;
    while (sp.fed < sp.size && !this.done) {
      const n = sp.read(this.big, sp.fed, Math.min(this.big.length, sp.size - sp.fed));
      if (n <= 0) break;
      sp.fed += n;
      this.h.data(this.big, n);
    }
    if (this.done) return;
    this.watch = watchReadable(this.fd, (status) => {
      // nothing may throw back into the addon's libuv callback (in the scanner, a hosted
      // logger's error would end the scanner): an error ends this logger only
      try {
        if (status < 0) this.fail(Object.assign(new Error('poll failed'), { errno: -status }));
        else this.pump();
      } catch (e) {
        this.fail(e);
      }
    });
    if (this.paused) unwatch(this.watch, true);
  }

  private pump(): void {
    if (this.paused || this.done) return;
    const buf = this.bytewise ? this.one : this.big;
    let n: number;
    try {
      n = this.spool.fill(this.fd, buf.length);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EIO') {
        // nothing was taken from the pipe: the writer waits, and so do we
        this.warn(`unable to write to the spool: ${(e as Error).message} - retrying in 1 second`);
        this.pauseFor(RETRY_MS);
        return;
      }
      this.fail(e);
      return;
    }
    if (n === -11) return;
    if (n === 0) {
      this.finish();
      return;
    }
    const got = this.spool.read(buf, this.spool.fed, n);
    this.spool.fed += got;
    this.h.data(buf, got);
    // less than asked: the pipe is drained for now, a good time to acknowledge
    if (got < buf.length) this.spool.commit();
  }

  private pauseFor(ms: number): void {
    if (this.retry) return;
    unwatch(this.watch, true);
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.paused && !this.done) rewatch(this.watch);
    }, ms);
  }

  private fail(e: unknown): void {
    if (this.done) return;
    this.stopWatching();
    this.done = true;
    this.h.error(e);
  }

  private finish(): void {
    if (this.done) return;
    this.stopWatching();
    this.done = true;
    this.h.end();
  }

  private stopWatching(): void {
    if (this.watch) unwatch(this.watch, false);
    this.watch = 0;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.watch) unwatch(this.watch, true);
  }

  resume(): void {
    if (!this.paused || this.done) return;
    this.paused = false;
    if (this.watch && !this.retry) rewatch(this.watch);
  }

  get isStream(): boolean {
    return true;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  byteMode(): void {
    this.bytewise = true;
    if (process.env.HEXAD_LOG_TEST_TRACE) process.stderr.write('hexad log: test: reading the last line byte by byte\n');
  }

  close(): void {
    if (this.fd < 0) return;
    this.stopWatching();
    this.done = true;
    this.paused = true;
    try {
      closeSync(this.fd);
    } catch { /* closed */ }
    this.fd = -1;
  }
}
