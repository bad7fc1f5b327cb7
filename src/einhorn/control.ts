// The command socket: a UNIX stream socket (mode 0600) on which clients (einhornsh, workers)
// send one request a line. Connections, their unread bytes and their subscriptions survive a
// re-exec of the master: `snapshot()` hands their descriptors to the next image, which `adopt`s them.
import { chmodSync, closeSync, openSync } from 'node:fs';
import net from 'node:net';
import * as native from '../native/index.js';
import { clearStaleSocket } from './bind.js';
import { LineSplitter, encode, encodeJson } from './wire.js';

/** listen(2) backlog of the command socket: large enough for a burst of 1,000 clients (the kernel
 * caps it at net.core.somaxconn, 4096 by default) */
export const CONTROL_BACKLOG = 4096;
/** Bytes of replies a client may leave unread before it is dropped (it pipelines requests and never
 * reads: without a bound the master would buffer every reply). */
export const MAX_UNSENT = 1 << 20;

export interface ConnectionState {
  fd: number;
  read_buffer: string;
  subscriptions: [string, unknown][];
}

export interface ControlState {
  server: number;
  connections: ConnectionState[];
}

export interface ControlHandler {
  line(conn: Connection, line: string): void;
  overlong(conn: Connection, bytes: number): void;
  /** a client dropped for leaving `bytes` of replies unread */
  dropped?(conn: Connection, bytes: number): void;
}

function fdOf(sock: net.Socket | net.Server): number {
  const h = (sock as unknown as { _handle?: { fd?: number } })._handle;
  return h?.fd ?? -1;
}

export class Connection {
  private readonly splitter = new LineSplitter();
  private readonly subs = new Map<string, unknown>();
  /** bytes taken out of the socket by freeze(), handed back by thaw() if the exec fails */
  private frozenExtra: Buffer | null = null;
  closed = false;
  /** the client asked for replies as JSON (still a YAML document to any YAML reader) */
  replyJson = false;

  private readonly onData = (d: Buffer): void => this.feed(d);

  constructor(readonly sock: net.Socket, private readonly owner: ControlServer) {
    sock.on('data', this.onData);
    sock.on('error', () => this.close());
    sock.on('close', () => {
      this.closed = true;
      owner.connections.delete(this);
    });
  }

  feed(chunk: Buffer): void {
    for (const f of this.splitter.push(chunk)) {
      if (this.closed) return;
      if ('overlong' in f) this.owner.handler.overlong(this, f.overlong);
      else this.owner.handler.line(this, f.line);
    }
  }

  /** einhorn's send_message: with a request id, `{message, request_id[, wait: true]}`; without, `{message}`. */
  send(message: string, requestId?: unknown, last = false): void {
    if (this.closed) return;
    const m = new Map<string, unknown>([['message', message]]);
    if (requestId !== undefined && requestId !== null && requestId !== false) {
      m.set('request_id', requestId);
      if (!last) m.set('wait', true);
    }
    this.sock.write(this.replyJson ? encodeJson(m) : encode(m));
    if (this.sock.writableLength > MAX_UNSENT) {
      this.owner.handler.dropped?.(this, this.sock.writableLength);
      this.closed = true;
      this.owner.connections.delete(this);
      this.sock.destroy();
    }
  }

  subscribe(tag: string, id: unknown): void {
    if (id !== undefined && id !== null && id !== false) this.subs.set(tag, id);
  }

  subscription(tag: string): unknown {
    return this.subs.get(tag);
  }

  unsubscribe(tag: string): void {
    this.subs.delete(tag);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.connections.delete(this);
    this.sock.destroySoon();
  }

  /** Stops reading and collects what was read but not yet handled (for the next image). */
  freeze(): ConnectionState | null {
    this.sock.pause();
    if (this.closed || this.sock.destroyed) return null;
    // read() also emits 'data': detach the handler so that nothing runs twice
    this.sock.off('data', this.onData);
    const extra: Buffer[] = [];
    for (let c: Buffer | null; (c = this.sock.read() as Buffer | null) !== null; ) extra.push(c);
    this.frozenExtra = Buffer.concat(extra);
    return { fd: fdOf(this.sock), read_buffer: this.splitter.pending() + this.frozenExtra.toString('utf8'), subscriptions: [...this.subs.entries()] };
  }

  thaw(): void {
    const extra = this.frozenExtra;
    if (extra === null) {
      if (!this.closed) this.sock.resume();
      return;
    }
    this.frozenExtra = null;
    this.sock.on('data', this.onData);
    if (extra.length) this.feed(extra);
    if (!this.closed) this.sock.resume();
  }

  restore(st: ConnectionState): void {
    for (const [t, id] of st.subscriptions) this.subs.set(t, id);
    if (st.read_buffer) this.feed(Buffer.from(st.read_buffer));
  }
}

export class ControlServer {
  readonly connections = new Set<Connection>();
  private server: net.Server | null = null;
  private fd = -1;
  private frozen = false;

  constructor(readonly handler: ControlHandler) {}

  /** Serves the listening UNIX socket at `fd` (made by openCommandSocket, or inherited). */
  serve(fd: number): void {
    this.fd = fd;
    this.server = net.createServer((sock) => {
      const c = new Connection(sock, this);
      this.connections.add(c);
      if (this.frozen) sock.pause();
    });
    this.server.on('error', () => {});
    // Node listens again on the descriptor: give it the backlog, or it would set 511. Node 20 reads
    // the backlog of a {fd} listen only from the second argument (later lines also from options).
    this.server.listen({ fd, backlog: CONTROL_BACKLOG }, CONTROL_BACKLOG);
  }

  /** Re-creates a connection inherited across a re-exec. */
  adopt(st: ConnectionState): void {
    native.setCloexec(st.fd, true);
    const sock = new net.Socket({ fd: st.fd, readable: true, writable: true });
    const c = new Connection(sock, this);
    this.connections.add(c);
    c.restore(st);
  }

  /** Sends a tagged message to every connection subscribed to `tag` (einhorn's send_tagged_message). */
  sendTagged(tag: string, message: string, last = false): void {
    for (const c of [...this.connections]) {
      const id = c.subscription(tag);
      if (id === undefined) continue;
      c.send(message, id, last);
      if (last) c.unsubscribe(tag);
    }
  }

  /** Stops reading everywhere and waits (bounded) until every reply has reached the kernel. */
  async quiesce(ms = 2000): Promise<void> {
    this.frozen = true;
    for (const c of this.connections) c.sock.pause();
    const end = Date.now() + ms;
    while (Date.now() < end && [...this.connections].some((c) => !c.closed && c.sock.writableLength > 0)) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Undoes quiesce() and snapshot() when the exec failed. */
  thaw(): void {
    this.frozen = false;
    for (const c of [...this.connections]) c.thaw();
  }

  /** The descriptors the next image inherits (close-on-exec cleared by the caller's list). */
  snapshot(): ControlState {
    const connections: ConnectionState[] = [];
    for (const c of this.connections) {
      const st = c.freeze();
      if (st && st.fd >= 0) connections.push(st);
    }
    return { server: this.fd, connections };
  }

  close(): void {
    this.server?.close();
    for (const c of this.connections) c.close();
  }
}

/** Creates the command socket at `path` (mode 0600) under the lockfile, as einhorn does. */
/** A start-up failure whose message names its own cause and path (not the command socket). */
export class LockfileError extends Error {}

export function openCommandSocket(path: string, lockfile: string, info: (m: string) => void): number {
  let lockFd: number;
  try {
    lockFd = openSync(lockfile, 'w', 0o600);
  } catch (e) {
    // e.g. a lockfile left in /tmp by another user's master: the socket is not the problem
    const err = e as NodeJS.ErrnoException;
    throw new LockfileError(`unable to open the lockfile ${lockfile}: ${native.strerror(Math.abs(err.errno ?? 0)) || err.message}${err.code === 'EACCES' ? ' (it belongs to another user? pass -f, or -c NAME)' : ''}`);
  }
  try {
    if (!native.lock(lockFd, 'w', false)) {
      throw Object.assign(new Error('File lock already acquired by another Einhorn process. This likely indicates you tried to run Einhorn masters with the same cmd_name at the same time. This is a pretty rare race condition.'), { code: 'EAGAIN' });
    }
    try {
      if (clearStaleSocket(path) === 'removed') {
        info(`Blowing away old Einhorn command socket at ${path}. This likely indicates a previous Einhorn master which exited uncleanly.`);
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EADDRINUSE') {
        throw Object.assign(new Error(`Another process (probably another Einhorn) is listening on the Einhorn command socket at ${path}. If you'd like to run this Einhorn as well, pass a \`-d PATH_TO_SOCKET\` to change the command socket location.`), { code });
      }
      if (code === 'EEXIST') {
        throw Object.assign(new Error(`Non-socket file present at Einhorn command socket path ${path}. Either remove that file and restart Einhorn, or pass a \`-d PATH_TO_SOCKET\` to change the command socket location.`), { code });
      }
      throw e;
    }
    const old = process.umask(0o077);
    try {
      const fd = native.listen('unix', path, 0, CONTROL_BACKLOG, false);
      chmodSync(path, 0o600);
      return fd;
    } finally {
      process.umask(old);
    }
  } finally {
    closeSync(lockFd);
  }
}
