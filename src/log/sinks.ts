// The destinations of s6-log's actions other than logdirs: stdout (`1`), alerts on stderr
// (`2`) and status files (`=file`). Each collects a batch of lines and writes it at once.
import { closeSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { dup } from '../native/index.js';
import type { Socket } from 'node:net';
import { errText } from '../s6/diag.js';
import { writeAtomic } from '../s6/atomic.js';
import type { LineSink } from './engine.js';
import { OutBuf } from './outbuf.js';
import { outStream } from './outstream.js';

/** stderr, written synchronously; what a full non-blocking stderr refuses is kept for later. */
export class Stderr {
  private held: Buffer[] = [];

  constructor(private readonly fd = 2) {}

  write(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.held.length) this.held.push(buf);
    else this.held = [buf];
    this.flush();
  }

  flush(): void {
    while (this.held.length) {
      const buf = this.held[0];
      let off = 0;
      try {
        while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
      } catch {
        // EAGAIN on a non-blocking stderr, or no stderr at all: "if it blocks, too bad".
        this.held[0] = buf.subarray(off);
        if (this.held.length > 1024) this.held.splice(0, this.held.length - 1024);
        return;
      }
      this.held.shift();
    }
  }
}

/** `2`: `PROG: alert: ` + stamps + prefix + the line, cut to `size` bytes with `...`. */
export class AlertSink implements LineSink {
  constructor(private readonly out: OutBuf, private readonly lead: Buffer, private readonly size: number) {}

  line(header: Buffer | null, src: Uint8Array, s: number, e: number): void {
    this.out.append(this.lead);
    const len = e - s;
    if (this.size && this.size + 3 < len) {
      if (header) this.out.append(header);
      this.out.append(src.subarray(s, s + this.size));
      this.out.append(DOTS);
    } else this.out.line(header, src, s, e);
  }
}

const DOTS = Buffer.from('...\n');

/** `=file`: the file holds the last selected line, padded with newlines or cut to `size`
 * bytes (0: the line and its newline). Only the last line of a batch is written. */
export class StatusFiles {
  private readonly latest = new Map<string, { size: number; data: Buffer }>();

  constructor(private readonly warn: (m: string) => void, private readonly base: string | null = null) {}

  set(file: string, size: number, header: Buffer | null, src: Uint8Array, s: number, e: number): void {
    const hl = header ? header.length : 0;
    const data = Buffer.allocUnsafe(hl + (e - s));
    if (header) header.copy(data, 0);
    data.set(src.subarray(s, e), hl);
    this.latest.set(file, { size, data });
  }

  flush(): void {
    for (const [file, { size, data }] of this.latest) {
      const real = data.length + 1;
      let content: Buffer;
      if (size && real > size) content = data.subarray(0, size);
      else {
        const pad = size ? size - data.length : 1;
        content = Buffer.alloc(data.length + pad, 10);
        data.copy(content, 0);
      }
      try {
        writeAtomic(this.base ? resolve(this.base, file) : file, content);
      } catch (e) {
        this.warn(`unable to write status file ${file}: ${errText(e)}`);
      }
    }
    this.latest.clear();
  }
}

/** `1`: stdout, non-blocking for pipes and sockets (buffered while the reader is slow). */
export class StdoutSink implements LineSink {
  private readonly out = new OutBuf(1 << 16);
  private sock: Socket | null = null;
  private dead = false;

  private readonly fd: number;

  /** `shared`: the descriptor belongs to the program hosting the logger; a duplicate is used
   * (a stream closes its descriptor when destroyed). */
  constructor(fd: number, private readonly onFail: (e: unknown) => void, private readonly onDrain: () => void, private readonly shared = false) {
    this.fd = shared ? dup(fd, 3, true) : fd;
    this.sock = outStream(this.fd);
    if (this.sock) {
      this.sock.on('error', (e) => this.fail(e));
      this.sock.on('drain', onDrain);
    }
  }

  line(header: Buffer | null, src: Uint8Array, s: number, e: number): void {
    if (!this.dead) this.out.line(header, src, s, e);
  }

  flush(): void {
    if (this.dead || !this.out.len) return;
    if (this.sock) {
      // 'drain' comes only after a write() that returned false; a write below the
      // high-water mark that the reader is slow to take must also end a -b pause
      this.sock.write(this.out.take(), (err) => {
        if (!err && this.sock && this.sock.writableLength === 0) this.onDrain();
      });
      return;
    }
    const buf = this.out.buf;
    let off = 0;
    try {
      while (off < this.out.len) off += writeSync(this.fd, buf, off, this.out.len - off);
      this.out.clear();
    } catch (e) {
      this.fail(e);
    }
  }

  pending(): boolean {
    return !this.dead && (this.out.len > 0 || (this.sock !== null && this.sock.writableLength > 0));
  }

  /** Lets go of the descriptor (a hosted logger stopping). */
  close(): void {
    this.dead = true;
    this.out.clear();
    if (this.sock) this.sock.destroy();
    else if (this.shared) closeSync(this.fd);
    this.sock = null;
  }

  private fail(e: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.out.clear();
    this.sock?.destroy();
    this.sock = null;
    this.onFail(e);
  }
}
