// hexad/child: for Node servers run under `hexad einhorn` (or einhorn, or systemd socket
// activation, or an s6 supervisor). Inherited listening sockets, einhorn ACKs, s6 readiness and a
// graceful shutdown that finishes in-flight requests and closes keep-alive connections cleanly.
import { closeSync, writeSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import net from 'node:net';

export interface InheritedSocket {
  fd: number;
  /** LISTEN_FDNAMES entry (systemd), or `einhorn<i>` */
  name: string;
  source: 'einhorn' | 'systemd';
}

/** The listening sockets passed by einhorn (`EINHORN_FD_*`) or by systemd (`LISTEN_FDS`, only when
 * `LISTEN_PID` is this process). einhorn's variables win when both are present. */
export function inheritedSockets(env: NodeJS.ProcessEnv = process.env, pid = process.pid): InheritedSocket[] {
  const count = Number(env.EINHORN_FD_COUNT);
  if (env.EINHORN_FD_COUNT !== undefined && Number.isInteger(count) && count >= 0) {
    const out: InheritedSocket[] = [];
    for (let i = 0; i < count; i++) {
      const fd = Number(env[`EINHORN_FD_${i}`]);
      if (!Number.isInteger(fd) || fd < 0) throw new Error(`EINHORN_FD_${i} is not a file descriptor: ${env[`EINHORN_FD_${i}`]}`);
      out.push({ fd, name: `einhorn${i}`, source: 'einhorn' });
    }
    return out;
  }
  const n = Number(env.LISTEN_FDS);
  if (env.LISTEN_FDS !== undefined && Number(env.LISTEN_PID) === pid && Number.isInteger(n) && n > 0) {
    const names = (env.LISTEN_FDNAMES ?? '').split(':');
    return Array.from({ length: n }, (_, i) => ({ fd: 3 + i, name: names[i] || 'unknown', source: 'systemd' as const }));
  }
  return [];
}

/** The inherited descriptors, in order. */
export function inheritedFds(env: NodeJS.ProcessEnv = process.env): number[] {
  return inheritedSockets(env).map((s) => s.fd);
}

/** True when this process is a worker of an einhorn master (its parent is EINHORN_MASTER_PID). */
export function underEinhorn(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.EINHORN_MASTER_PID !== undefined && Number(env.EINHORN_MASTER_PID) === process.ppid;
}

/** einhorn's EINHORN_CHILD_INDEX, or undefined. */
export function childIndex(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.EINHORN_CHILD_INDEX;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** Makes `server` accept on the `index`-th inherited socket. Resolves once it listens.
 * Note: Node listens again on the descriptor, which sets the socket's backlog to `backlog`
 * (511 by default) for every process sharing it. */
export function listen<T extends net.Server>(server: T, index = 0, opts: { backlog?: number; env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const socks = inheritedSockets(opts.env);
  const s = socks[index];
  if (!s) return Promise.reject(new Error(`no inherited socket #${index} (have ${socks.length}): not run under einhorn or systemd?`));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve(server);
    };
    // Node 20 reads the backlog of a {fd} listen only from the second argument
    if (opts.backlog !== undefined) server.listen({ fd: s.fd, backlog: opts.backlog }, opts.backlog, done);
    else server.listen({ fd: s.fd }, done);
  });
}

/** What `listenAll` does when nothing was passed (not run under einhorn or systemd). */
export interface ListenFallback {
  port: number;
  host?: string;
}

export class NoInheritedSocketsError extends Error {
  constructor() {
    super('listenAll: no listening sockets were passed to this process (no EINHORN_FD_COUNT, and no LISTEN_FDS for this pid): run it under `hexad einhorn -b HOST:PORT`, or give listenAll a { fallback: { port } }');
    this.name = 'NoInheritedSocketsError';
  }
}

/** One server per inherited socket, made by `make`. Outside einhorn and systemd (neither
 * protocol's variables set) it throws NoInheritedSocketsError, or, with `fallback`, listens on
 * that port with one server. Under einhorn with no `-b` it resolves `[]`. */
export function listenAll<T extends net.Server>(make: () => T, opts: { backlog?: number; env?: NodeJS.ProcessEnv; fallback?: ListenFallback } = {}): Promise<T[]> {
  const env = opts.env ?? process.env;
  const socks = inheritedSockets(env);
  if (socks.length === 0 && env.EINHORN_FD_COUNT === undefined) {
    const fb = opts.fallback;
    if (!fb) return Promise.reject(new NoInheritedSocketsError());
    const server = make();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: fb.port, host: fb.host, backlog: opts.backlog }, () => {
        server.off('error', reject);
        resolve([server]);
      });
    });
  }
  return Promise.all(socks.map((_, i) => listen(make(), i, opts)));
}

function sendCommand(message: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<void> {
  const line = `${JSON.stringify(message)}\n`;
  return new Promise((resolve, reject) => {
    let sock: net.Socket;
    if (env.EINHORN_SOCK_FD !== undefined && /^\d+$/.test(env.EINHORN_SOCK_FD)) {
      sock = new net.Socket({ fd: Number(env.EINHORN_SOCK_FD), readable: true, writable: true });
      delete env.EINHORN_SOCK_FD;
    } else if (env.EINHORN_SOCK_PATH) {
      sock = net.createConnection(env.EINHORN_SOCK_PATH);
    } else {
      reject(new Error('no EINHORN_SOCK_PATH: not run under einhorn?'));
      return;
    }
    sock.on('error', reject);
    // the master reads the line, then closes the connection
    sock.on('close', () => resolve());
    sock.end(line);
    sock.resume();
  });
}

/** einhorn's manual ACK (`-m manual`): tells the master this worker is ready. Resolves false,
 * without sending anything, when the process is not an einhorn worker. */
export async function ack(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!underEinhorn(env)) return false;
  await sendCommand({ command: 'worker:ack', pid: process.pid }, env);
  return true;
}

/** einhorn's worker:ping: records `requestId` on this worker (shown by `state`). */
export async function ping(requestId: unknown, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!underEinhorn(env)) return false;
  await sendCommand({ command: 'worker:ping', pid: process.pid, request_id: requestId }, env);
  return true;
}

/** s6 readiness: writes a newline to the notification descriptor and closes it. */
export function notifyReady(fd: number): void {
  writeSync(fd, '\n');
  closeSync(fd);
}

/** Everything a ready server announces: an einhorn ACK when under einhorn, and s6 readiness when
 * `notificationFd` is given (the number in the service's `notification-fd` file). */
export async function ready(opts: { notificationFd?: number; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  await ack(opts.env);
  if (opts.notificationFd !== undefined) notifyReady(opts.notificationFd);
}

export interface GracefulOptions {
  /** signals that start the shutdown (default SIGUSR2, einhorn's, and SIGTERM) */
  signals?: NodeJS.Signals[];
  /** after this many ms, remaining connections are destroyed (default 30 000) */
  timeout?: number;
  /** an idle keep-alive connection gets this many ms to bring one more request (answered with
   * `Connection: close`) before it is closed (default 1000) */
  idleGrace?: number;
  /** exit the process once drained (default true) */
  exit?: boolean;
  /** called when the shutdown starts */
  onShutdown?: () => void;
}

export interface Graceful {
  /** starts the shutdown now (as the signal would); resolves once every connection is closed */
  shutdown(): Promise<void>;
  readonly shuttingDown: boolean;
}

interface Tracked {
  inflight: number;
  timer: NodeJS.Timeout | null;
}

function isHttp(server: net.Server): server is HttpServer {
  return typeof (server as HttpServer).closeIdleConnections === 'function';
}

/** Graceful shutdown on SIGUSR2 (einhorn's "please stop") or SIGTERM: stop accepting, let the
 * requests in flight finish, answer each keep-alive connection's next request with
 * `Connection: close` (so that no client races a request onto a connection being closed), close
 * connections that stay idle, then exit. A second signal exits at once. */
export function gracefulShutdown(servers: net.Server | net.Server[], opts: GracefulOptions = {}): Graceful {
  const list = Array.isArray(servers) ? servers : [servers];
  const timeout = opts.timeout ?? 30_000;
  const idleGrace = opts.idleGrace ?? 1000;
  const conns = new Map<net.Socket, Tracked>();
  let shuttingDown = false;
  let drained: Promise<void> | null = null;
  let resolveDrained = (): void => {};

  const checkDone = (): void => {
    if (shuttingDown && conns.size === 0) resolveDrained();
  };
  const armIdle = (sock: net.Socket, t: Tracked): void => {
    if (!shuttingDown || t.inflight > 0 || t.timer) return;
    t.timer = setTimeout(() => sock.destroySoon(), idleGrace);
  };

  for (const server of list) {
    server.on('connection', (sock: net.Socket) => {
      const t: Tracked = { inflight: 0, timer: null };
      conns.set(sock, t);
      sock.on('close', () => {
        if (t.timer) clearTimeout(t.timer);
        conns.delete(sock);
        checkDone();
      });
      if (shuttingDown) armIdle(sock, t);
    });
    if (isHttp(server)) {
      server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
        const t = conns.get(req.socket);
        if (!t) return;
        t.inflight++;
        if (t.timer) clearTimeout(t.timer);
        t.timer = null;
        if (shuttingDown && !res.headersSent) res.setHeader('Connection', 'close');
        res.on('close', () => {
          t.inflight--;
          armIdle(req.socket, t);
        });
      });
    }
  }

  const start = (): Promise<void> => {
    if (drained) return drained;
    shuttingDown = true;
    drained = new Promise<void>((resolve) => (resolveDrained = resolve));
    opts.onShutdown?.();
    for (const server of list) {
      // net.Server's close only: http.Server#close would also drop idle keep-alive connections
      // at once, racing the clients' next requests
      net.Server.prototype.close.call(server);
    }
    for (const [sock, t] of conns) {
      const res = (sock as unknown as { _httpMessage?: ServerResponse })._httpMessage;
      if (res && !res.headersSent) res.setHeader('Connection', 'close');
      armIdle(sock, t);
    }
    const hard = setTimeout(() => {
      for (const sock of conns.keys()) sock.destroy();
    }, timeout);
    hard.unref();
    checkDone();
    void drained.then(() => {
      clearTimeout(hard);
      if (opts.exit ?? true) process.exit(0);
    });
    return drained;
  };

  for (const sig of opts.signals ?? (['SIGUSR2', 'SIGTERM'] as NodeJS.Signals[])) {
    process.on(sig, () => {
      if (shuttingDown) process.exit(0);
      void start();
    });
  }
  return {
    shutdown: start,
    get shuttingDown() {
      return shuttingDown;
    },
  };
}
