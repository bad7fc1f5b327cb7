// Reading the logger's stdin in chunks of 8191 bytes as s6-log does (each chunk's lines are
// written, and a rotation considered, before the next read) into one reused buffer (no allocation per read),
// with pause/resume for -b and a byte-at-a-time mode for the last line after SIGTERM, so that
// nothing past that line is taken from the pipe.
import { fstatSync, readSync } from 'node:fs';
import { Socket, type ConnectOpts, type SocketConstructorOpts } from 'node:net';
import { isatty, ReadStream } from 'node:tty';
import { dup } from '../native/index.js';

export interface InputHandlers {
  /** `buf` holds `n` new bytes; it is reused after the call returns. */
  data(buf: Buffer, n: number): void;
  end(): void;
  error(e: unknown): void;
}

export class Input {
  private sock: Socket | null = null;
  private readonly big: Buffer;
  private readonly one = Buffer.allocUnsafe(1);
  private bytewise = false;
  private paused = false;
  private done = false;
  private scheduled = false;
  private readonly stream: boolean;

  constructor(private readonly fd: number, private readonly h: InputHandlers, chunkSize = 8191) {
    this.big = Buffer.allocUnsafe(chunkSize);
    const st = fstatSync(fd);
    this.stream = st.isFIFO() || st.isSocket() || isatty(fd);
    if (isatty(fd)) this.sock = this.openTty(fd);
    else if (this.stream) this.sock = this.openSocket(fd, this.big);
    else this.schedule(); // a regular file or a device: reads do not block
  }

  /** A pipe or socket: libuv reads it when readable, straight into `buf`. */
  private openSocket(fd: number, buf: Buffer): Socket {
    const opts: SocketConstructorOpts & ConnectOpts = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: buf,
        callback: (n: number, b: Uint8Array) => {
          if (!this.done) this.h.data(b as Buffer, n);
          return !this.paused && !this.done;
        },
      },
    };
    const sock = new Socket(opts);
    sock.on('end', () => this.finish());
    sock.on('error', (e) => {
      if (this.done) return;
      this.done = true;
      this.h.error(e);
    });
    return sock;
  }

  /** A terminal: a net.Socket cannot be opened on it ("Unsupported fd type: TTY"); a
   * tty.ReadStream can, with ordinary data events (a terminal hands over a line at a time). */
  private openTty(fd: number): Socket {
    const rs = new ReadStream(fd);
    rs.on('data', (b: Buffer) => {
      if (!this.done) this.h.data(b, b.length);
    });
    rs.on('end', () => this.finish());
    rs.on('error', (e) => {
      if (this.done) return;
      this.done = true;
      this.h.error(e);
    });
    return rs;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.h.end();
  }

  private schedule(): void {
    if (this.scheduled || this.paused || this.done) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.paused || this.done) return;
    const buf = this.bytewise ? this.one : this.big;
    let n: number;
    try {
      n = readSync(this.fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        setTimeout(() => this.pump(), 10);
        return;
      }
      this.done = true;
      this.h.error(e);
      return;
    }
    if (n === 0) {
      this.finish();
      return;
    }
    this.h.data(buf, n);
    this.schedule();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.sock?.pause();
  }

  resume(): void {
    if (!this.paused || this.done) return;
    this.paused = false;
    if (this.sock) this.sock.resume();
    else this.schedule();
  }

  /** A pipe, socket or terminal: what is read is gone from it (a regular file keeps it). */
  get isStream(): boolean {
    return this.stream;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Reads one byte at a time from now on. A socket reads into the buffer it was given, so
   * it is replaced by one on a duplicate of the descriptor that reads one byte at a time. */
  byteMode(): void {
    if (this.bytewise) return;
    this.bytewise = true;
    if (!this.sock || this.done || this.sock instanceof ReadStream) return;
    const fd = dup(this.fd, 3, true);
    const old = this.sock;
    old.pause();
    old.removeAllListeners('end');
    old.removeAllListeners('error');
    old.on('error', () => { /* closing */ });
    old.destroy();
    this.sock = this.openSocket(fd, this.one);
    if (this.paused) this.sock.pause();
  }

  /** Stops reading for good and closes stdin, as s6-log does when it stops. */
  close(): void {
    if (this.done && !this.sock) return;
    this.done = true;
    this.paused = true;
    if (this.sock) {
      this.sock.destroy();
      this.sock = null;
    }
  }
}
