// s6-tai64nlocal: copies a stream, replacing a TAI64N label (`@` + 24 hex digits) at the
// start of a line with "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" in local time (or UTC).
import { writeSync } from 'node:fs';
import { errText, Fatal } from '../s6/diag.js';
import { Input } from './input.js';
import { OutBuf } from './outbuf.js';
import { outStream } from './outstream.js';
import { formatNanos, formatSeconds, scanLabel, unixFromTai } from './stamp.js';

/** The stream converter itself, independent of where bytes come from and go. */
export class LabelConverter {
  // A line's first 26 bytes are held until it is known whether they start with a label: a
  // label is converted only when the line (with its newline) is longer than the label.
  private readonly head = Buffer.allocUnsafe(26);
  private headLen = 0;
  private inHead = true;
  private lastSec = -1;
  private lastLeap = false;
  private lastText = '';

  constructor(private readonly local: boolean) {}

  private seconds(unix: number, leap: boolean): string {
    if (unix !== this.lastSec || leap !== this.lastLeap) {
      this.lastSec = unix;
      this.lastLeap = leap;
      this.lastText = formatSeconds(unix, this.local, leap);
    }
    return this.lastText;
  }

  private emitHead(out: OutBuf): void {
    const n = this.headLen;
    let from = 0;
    if (n > 25) {
      const label = scanLabel(this.head, 0);
      const utc = label && unixFromTai(label[0]);
      if (label && utc) {
        out.append(Buffer.from(this.seconds(utc.unix, utc.leap) + '.' + formatNanos(label[1]), 'latin1'));
        from = 25;
      }
    }
    out.append(this.head.subarray(from, n));
    this.headLen = 0;
  }

  /** Converts bytes [0, n) of `buf`, appending the result to `out`. */
  feed(buf: Buffer, n: number, out: OutBuf): void {
    let i = 0;
    while (i < n) {
      if (this.inHead) {
        while (i < n && this.headLen < 26) {
          const c = buf[i++];
          this.head[this.headLen++] = c;
          if (c === 10) break;
        }
        const nl = this.head[this.headLen - 1] === 10;
        if (this.headLen === 26 || nl) {
          this.emitHead(out);
          this.inHead = nl;
        }
        continue;
      }
      let e = buf.indexOf(10, i);
      if (e < 0 || e >= n) e = n - 1;
      else this.inHead = true;
      out.append(buf.subarray(i, e + 1));
      i = e + 1;
    }
  }

  /** End of input: a last line without newline is copied (converted if long enough). */
  end(out: OutBuf): void {
    if (this.inHead && this.headLen) this.emitHead(out);
  }
}

/** Runs the filter from stdin to stdout; resolves with the exit code. */
export function runTai64nLocal(local: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const conv = new LabelConverter(local);
    const out = new OutBuf(1 << 17);
    const sock = outStream(1);
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      input.close();
      // The reader went away (`| head`): s6-tai64nlocal dies of SIGPIPE, which Node ignores;
      // end quietly with the status a shell shows for that.
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') resolve(128 + 13);
      else reject(new Fatal(111, `unable to write to stdout: ${errText(e)}`));
    };
    const write = (): void => {
      if (!out.len || failed) return;
      if (sock) {
        if (!sock.write(out.take())) input.pause();
        return;
      }
      try {
        let off = 0;
        while (off < out.len) off += writeSync(1, out.buf, off, out.len - off);
        out.clear();
      } catch (e) {
        fail(e);
      }
    };
    sock?.on('error', fail);
    sock?.on('drain', () => input.resume());
    const input = new Input(0, {
      data: (buf, n) => {
        conv.feed(buf, n, out);
        write();
      },
      end: () => {
        conv.end(out);
        write();
        if (!sock) resolve(0);
        else sock.end(() => resolve(0));
      },
      error: (e) => {
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') input.close();
        reject(new Fatal(111, `unable to read from stdin: ${errText(e)}`));
      },
    }, 1 << 17);
  });
}
