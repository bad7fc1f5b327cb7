// The HTTP server of `hexad svscan --http`: metrics, the status API, the event stream, actions
// and the dashboard, all served from inside the scanner process. `startHttpServer` is what any
// front end (svscan, up, init) calls once it has a Scanner.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { unlinkSync } from 'node:fs';
import { Fatal, errText } from '../s6/diag.js';
import { scanOverview } from '../status/collect.js';
import type { Scanner } from '../svscan/scanner.js';
import { formatAddress, parseListenAddress, type ListenAddress } from './address.js';
import { TokenCheck } from './auth.js';
import { DASHBOARD_HTML } from './dashboard.js';
import { EventStream, type EventStreamOptions } from './events.js';
import { ServiceHub } from './hub.js';
import { findLogFile, tailFile } from './logtail.js';
import { isLoggerCounterSource, Metrics } from './metrics.js';
import { rcGraphs } from './rcgraph.js';

export interface HttpOptions {
  /** `[HOST:]PORT`, `[V6]:PORT` or a UNIX socket path */
  address: string | ListenAddress;
  /** file whose first line is the token the POST actions need; none = actions refused */
  tokenFile?: string;
  /** the scan directory; the current directory (svscan's) by default */
  scandir?: string;
  events?: EventStreamOptions;
}

export interface HttpServer {
  /** where it listens (`127.0.0.1:34567` with the real port, or the socket path) */
  readonly address: string;
  readonly hub: ServiceHub;
  readonly metrics: Metrics;
  readonly events: EventStream;
  close(): Promise<void>;
}

const ACTIONS: Record<string, (up: boolean) => string> = {
  up: () => 'u',
  down: () => 'd',
  // running: want it up and kill it (the supervisor starts it again); down: start it
  restart: (up) => (up ? 'ur' : 'u'),
};

/** Listens (Fatal 100 for a malformed address, 111 when it cannot listen), then serves. */
export async function startHttpServer(scanner: Scanner, opts: HttpOptions): Promise<HttpServer> {
  const address = typeof opts.address === 'string' ? parseListenAddress(opts.address) : opts.address;
  const token = opts.tokenFile ? TokenCheck.fromFile(opts.tokenFile) : new TokenCheck(null);
  const scandir = opts.scandir ?? process.cwd();
  const hub = new ServiceHub(scandir);
  const events = new EventStream(hub, opts.events);
  const metrics = new Metrics(hub, isLoggerCounterSource(scanner) ? scanner : null, () => events.size);
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${errText(e)}\n`);
    });
  });
  server.keepAliveTimeout = 5000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'POST' && path.startsWith('/api/services/')) return action(req, res, path);
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
    switch (path) {
      case '/':
        return send(res, 200, DASHBOARD_HTML, 'text/html; charset=utf-8');
      case '/metrics':
        return send(res, 200, await metrics.scrape(), metrics.contentType);
      case '/api/status':
        return send(res, 200, status());
      case '/api/services':
        return send(res, 200, hub.rows(true));
      case '/api/events':
        return events.add(req, res);
      case '/api/rc':
        return send(res, 200, rcGraphs(scandir));
    }
    const log = /^\/api\/services\/(.+)\/log$/.exec(path);
    if (log) return logTail(res, decodeURIComponent(log[1]), Number(url.searchParams.get('lines') ?? 100));
    return send(res, 404, { error: 'not found' });
  }

  function status(): unknown {
    const dirs = new Set<string>();
    hub.forEach((_n, _s, _k, sup) => dirs.add(sup.dir));
    const o = scanOverview(scandir, { supervises: (p) => dirs.has(p) });
    for (const v of o.services) {
      const r = hub.row(v.name, true);
      if (r) v.live = { restarts: r.restarts, cpu: r.cpu ?? null, rss: r.rss ?? null, lastExit: r.lastExit };
    }
    return o;
  }

  function logTail(res: ServerResponse, name: string, lines: number): void {
    const sup = hub.supervisor(name);
    if (!sup) return send(res, 404, { error: `no service ${name}` });
    const file = findLogFile(sup.dir);
    if (!file) return send(res, 404, { error: `no log file for ${name}` });
    const n = Number.isInteger(lines) && lines > 0 ? Math.min(lines, 5000) : 100;
    try {
      send(res, 200, { service: name, file, lines: tailFile(file, n) });
    } catch (e) {
      send(res, 500, { error: `unable to read ${file}: ${errText(e)}` });
    }
  }

  function action(req: IncomingMessage, res: ServerResponse, path: string): void {
    req.resume();
    if (!token.allows(req)) {
      res.setHeader('www-authenticate', 'Bearer realm="hexad"');
      return send(res, 401, { error: token.enabled ? 'wrong or missing token' : 'actions are disabled: start the server with --http-token-file' });
    }
    const m = /^\/api\/services\/(.+)\/([a-z]+)$/.exec(path);
    const act = m ? ACTIONS[m[2]] : undefined;
    if (!m || !act) return send(res, 404, { error: 'unknown action' });
    const name = decodeURIComponent(m[1]);
    const sup = hub.supervisor(name);
    if (!sup) return send(res, 404, { error: `no service ${name}` });
    const bytes = act(sup.status.pid !== 0 && !sup.status.finishing);
    sup.command(bytes);
    send(res, 200, { ok: true, service: name, action: m[2], sent: bytes });
  }

  await listen(server, address);
  hub.attach(scanner);
  const where = (() => {
    const a = server.address();
    if (a && typeof a === 'object') return formatAddress({ kind: 'tcp', host: a.address, port: a.port });
    return formatAddress(address);
  })();
  return {
    address: where,
    hub,
    metrics,
    events,
    close: () => new Promise<void>((resolve) => {
      hub.detach();
      events.close();
      metrics.close();
      server.close(() => resolve());
      server.closeAllConnections?.();
      if (address.kind === 'unix') try { unlinkSync(address.path); } catch { /* gone */ }
    }),
  };
}

function send(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body) + '\n';
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function listenOnce(server: Server, a: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error): void => {
      server.off('listening', ok);
      reject(e);
    };
    const ok = (): void => {
      server.off('error', fail);
      resolve();
    };
    server.once('error', fail);
    server.once('listening', ok);
    if (a.kind === 'unix') server.listen(a.path);
    else server.listen(a.port, a.host);
  });
}

/** A UNIX socket left by a dead server (nobody accepts on it) is replaced. */
function staleSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(false);
    });
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

async function listen(server: Server, a: ListenAddress): Promise<void> {
  const where = formatAddress(a);
  try {
    await listenOnce(server, a);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (a.kind === 'unix' && code === 'EADDRINUSE' && (await staleSocket(a.path))) {
      try {
        unlinkSync(a.path);
        await listenOnce(server, a);
        return;
      } catch (e2) {
        throw new Fatal(111, `unable to listen on ${where}: ${errText(e2)}`);
      }
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new Fatal(100, `invalid --http address: ${where}: unknown host`);
    throw new Fatal(111, `unable to listen on ${where}: ${errText(e)}`);
  }
}

