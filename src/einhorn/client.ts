// A client of the command socket (what einhornsh and the tests use): send one request, read the
// replies of einhorn's wire format until one comes without `wait: true`.
import { createRequire } from 'node:module';
import type net from 'node:net';
import { LineSplitter, encode, decodeReplies } from './wire.js';

export { defaultSocketPath } from './paths.js';

export class Client {
  private readonly splitter = new LineSplitter(64 * 1024 * 1024);
  private readonly queue: unknown[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  error: Error | null = null;

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.queue.push(...decodeReplies(this.splitter, d));
      this.wake();
    });
    sock.on('error', (e) => {
      this.error = e;
      this.ended = true;
      this.wake();
    });
    sock.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  static connect(path: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      // loaded here: einhornsh -e connects without node:net (sync-client.ts)
      const { createConnection } = (process.getBuiltinModule?.('node:net') ?? createRequire(import.meta.url)('node:net')) as typeof net;
      const sock = createConnection(path);
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.off('error', reject);
        resolve(new Client(sock));
      });
    });
  }

  send(request: unknown): void {
    this.sock.write(encode(request));
  }

  /** The next decoded reply, or null once the master closed the connection. */
  async receive(): Promise<unknown> {
    while (this.queue.length === 0) {
      if (this.ended) return null;
      await new Promise<void>((r) => (this.waiter = r));
    }
    return this.queue.shift();
  }

  /** Sends a request and collects its messages until the last one (no `wait`). */
  async command(command: string, args: string[] = [], id = 1): Promise<string[]> {
    this.send(new Map<string, unknown>([['id', id], ['command', command], ['args', args]]));
    const out: string[] = [];
    for (;;) {
      const r = await this.receive();
      if (r === null) throw new Error('connection closed by the einhorn master');
      if (!(r instanceof Map)) throw new Error(`invalid response: ${String(r)}`);
      out.push(String(r.get('message') ?? ''));
      if (r.get('wait') !== true) return out;
    }
  }

  close(): void {
    this.sock.end();
  }
}
