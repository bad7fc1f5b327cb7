// A blocking client of the command socket for `einhornsh -e`: one request at a time, read with
// readSync on a socket the addon connected. It spares a one-shot command the start-up of
// node:net (~4 ms); the interactive shell keeps the event-driven Client.
import { closeSync, readSync, writeSync } from 'node:fs';
import { connectUnix } from '../native/index.js';
import { LineSplitter, encodeJson, decodeReplies } from './wire.js';

export class SyncClient {
  private readonly splitter = new LineSplitter(64 * 1024 * 1024);
  private readonly queue: unknown[] = [];
  private readonly buf = Buffer.allocUnsafe(64 * 1024);
  private ended = false;

  private constructor(private readonly fd: number) {}

  /** Throws the addon's error (code ENOENT, ECONNREFUSED, EACCES…) when it cannot connect. */
  static connect(path: string): SyncClient {
    return new SyncClient(connectUnix(path));
  }

  /** Asks hexad's master for JSON replies (einhorn ignores the key and answers in YAML). */
  send(request: Map<string, unknown>): void {
    const data = Buffer.from(encodeJson(new Map([...request, ['reply_format', 'json']])));
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off);
  }

  /** The next decoded reply, or null once the master closed the connection. */
  async receive(): Promise<unknown> {
    while (this.queue.length === 0) {
      if (this.ended) return null;
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EINTR' || (e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        n = 0;
      }
      if (n === 0) {
        this.ended = true;
        break;
      }
      this.queue.push(...decodeReplies(this.splitter, Buffer.from(this.buf.subarray(0, n))));
    }
    return this.queue.length ? this.queue.shift() : null;
  }

  close(): void {
    closeSync(this.fd);
  }
}
