// FIFOs read without blocking libuv's thread pool: open O_RDONLY|O_NONBLOCK, keep a write end
// of our own so the reader never sees EOF, and let a net.Socket (a libuv pipe) read it.
import { chmodSync, closeSync, openSync, readSync, statSync, constants as C } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { mkfifo } from '../native/index.js';
import { Fatal } from './diag.js';

/** mkfifo with an exact mode (s6 does it under umask 0); an existing FIFO is accepted. */
export function ensureFifo(path: string, mode: number, what = path): void {
  try {
    mkfifo(path, mode);
    chmodSync(path, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (!statSync(path).isFIFO()) throw new Fatal(100, `${what} is not a FIFO`);
  }
}

export class FifoReader {
  private readonly keepFd: number;
  private readonly rfd: number;
  private socket: Socket | null = null;
  private closed = false;

  /** `lazy`: the FIFO is opened now but read only from start() (or ref()) on; what is written
   * meanwhile waits in the pipe. A command that finds its answer without waiting never loads
   * `net` (~3-4 ms of a short-lived command's start-up). */
  constructor(readonly path: string, private readonly onData: (chunk: Buffer) => void, lazy = false) {
    const rfd = openSync(path, C.O_RDONLY | C.O_NONBLOCK);
    try {
      this.keepFd = openSync(path, C.O_WRONLY | C.O_NONBLOCK);
    } catch (e) {
      closeSync(rfd);
      throw e;
    }
    this.rfd = rfd;
    if (!lazy) this.start();
  }

  /** The read end, for a blocking poll (lazy readers that were never started). */
  get fd(): number {
    return this.rfd;
  }

  /** Reads what is there now, without the event loop (a lazy reader never started): each
   * chunk goes to onData. */
  readNow(): void {
    if (this.socket || this.closed) return;
    const buf = Buffer.allocUnsafe(4096);
    for (;;) {
      let n: number;
      try {
        n = readSync(this.rfd, buf, 0, buf.length, null);
      } catch {
        return; // EAGAIN: nothing more
      }
      if (n <= 0) return;
      this.onData(Buffer.from(buf.subarray(0, n)));
    }
  }

  /** Starts reading (once). */
  start(): void {
    if (this.socket || this.closed) return;
    // loaded here: `net` costs a short-lived command (svc without -w) ~4 ms of start-up
    const { Socket } = (process.getBuiltinModule?.('node:net') ?? createRequire(import.meta.url)('node:net')) as typeof import('node:net');
    this.socket = new Socket({ fd: this.rfd, readable: true, writable: false });
    this.socket.on('data', this.onData);
    this.socket.on('error', () => { /* a FIFO we hold both ends of has no error to report */ });
  }

  /** Keeps the event loop alive while reading (a supervisor) or not (a helper). */
  ref(on: boolean): void {
    this.start();
    if (on) this.socket!.ref();
    else this.socket!.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket) this.socket.destroy();
    else closeSync(this.rfd);
    closeSync(this.keepFd);
  }
}
