// A blocking client of the command socket for `einhornsh -e`: one request at a time, read with
// readSync on a socket the addon connected. It spares a one-shot command the start-up of
// node:net (~4 ms) and, with JSON replies, of the YAML reader (wire.ts is loaded only for a
// master that answers in YAML); the interactive shell keeps the event-driven Client.
import { closeSync, readSync, writeSync } from 'node:fs';
import { connectUnix } from '../native/index.js';
import { LineSplitter, decodeJsonReply, encodeJson } from './frame.js';

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
      for (const f of this.splitter.push(Buffer.from(this.buf.subarray(0, n)))) {
        if ('line' in f) this.queue.push(await decodeLine(f.line));
      }
    }
    return this.queue.length ? this.queue.shift() : null;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** JSON as hexad's master answers this client; YAML (einhorn's own master) through wire.ts,
 * loaded only then; a line that is neither is kept as text. */
async function decodeLine(line: string): Promise<unknown> {
  const j = decodeJsonReply(line);
  if (j !== undefined) return j;
  const { decodeReply } = await import('./wire.js');
  try {
    return decodeReply(line);
  } catch {
    return line;
  }
}
