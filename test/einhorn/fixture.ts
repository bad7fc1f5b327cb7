// Test fixtures for einhorn: a worker program (written into the test's directory) and helpers
// to run a master, talk to it and read its state.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/einhorn/client.js';
import { parse, RubySet, Sym } from '../../src/einhorn/yaml.js';
import { Daemon, HEXAD, hexadDaemon, until } from '../helpers.js';

const CHILD_LIB = fileURLToPath(new URL('../../src/child/index.js', import.meta.url));

/** The worker: an HTTP server on the first inherited socket. It reads DIR/mode and DIR/version
 * when it starts, so that a test changes what the next workers do:
 *   ok           listen, then ACK (manual mode) and serve; drain on USR2/TERM
 *   noack        listen and serve, never ACK
 *   crash        exit 3 at once
 *   stubborn     like ok, but ignore USR2 and TERM
 *   ackfile      like ok, but ACK only once the file DIR/go-VERSION exists
 * GET /info answers {pid, version, index, env, fd3, pgid, ppid}; GET /slow?ms=N answers after N ms. */
export const WORKER = `
import http from 'node:http';
import { fstatSync, readFileSync } from 'node:fs';
import { ack, childIndex, gracefulShutdown, listenAll } from ${JSON.stringify(CHILD_LIB)};
const dir = process.argv[2];
const read = (f, d) => { try { return readFileSync(dir + '/' + f, 'utf8').trim(); } catch { return d; } };
const mode = read('mode', 'ok');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(EINHORN_|LISTEN_|HEXAD_TEST_)/.test(k)));
const version = read('version', '0');
if (mode === 'crash') process.exit(3);
const stat = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
const pgid = Number(stat[2]);
const nice = Number(stat[16]);
let fd3 = 'closed';
try { fd3 = fstatSync(3).isSocket() ? 'socket' : 'other'; } catch {}
const handler = (req, res) => {
  const url = new URL(req.url, 'http://x');
  const body = () => res.end(JSON.stringify({ pid: process.pid, version, index: childIndex(), ppid: process.ppid, pgid, nice, fd3, env }));
  if (url.pathname === '/slow') setTimeout(body, Number(url.searchParams.get('ms') ?? 500));
  else body();
};
const servers = await listenAll(() => http.createServer(handler));
if (mode === 'stubborn') {
  process.on('SIGUSR2', () => {});
  process.on('SIGTERM', () => {});
} else gracefulShutdown(servers, { idleGrace: 300 });
if (mode === 'ackfile') {
  const { existsSync } = await import('node:fs');
  while (!existsSync(dir + '/go-' + version)) await new Promise((r) => setTimeout(r, 20));
}
if (mode !== 'noack' && process.env.EINHORN_TEST_MANUAL === '1') await ack();
`;

/** Writes DIR/worker.mjs and DIR/run (the program to give einhorn): a shell script that exits 3
 * at once in mode `crash` (so that crash timing does not depend on Node's start-up), and
 * otherwise execs the worker (keeping its pid, hence LISTEN_PID). */
export function writeWorker(dir: string, mode = 'ok', version = '0'): string {
  writeFileSync(join(dir, 'worker.mjs'), WORKER);
  const run = join(dir, 'run');
  writeFileSync(run, `#!/bin/sh\n[ "$(cat ${JSON.stringify(dir)}/mode)" = crash ] && exit 3\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(dir, 'worker.mjs'))} ${JSON.stringify(dir)}\n`, { mode: 0o755 });
  setWorker(dir, mode, version);
  return run;
}

export function setWorker(dir: string, mode: string, version?: string): void {
  writeFileSync(join(dir, 'mode'), mode);
  if (version !== undefined) writeFileSync(join(dir, 'version'), version);
}

export interface Master {
  d: Daemon;
  sock: string;
  pidfile: string;
  dir: string;
  port: number;
}

/** Starts `hexad einhorn` with the fixture worker on 127.0.0.1:0 (or the binds in `binds`). */
export async function startMaster(dir: string, opts: string[], cfg: { binds?: string[]; manual?: boolean; program?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Master> {
  const sock = join(dir, 'einhorn.sock');
  const pidfile = join(dir, 'einhorn.pid');
  const binds = cfg.binds ?? ['127.0.0.1:0,r'];
  const manual = cfg.manual ?? true;
  const args = ['einhorn', '-d', sock, '-e', pidfile, '-f', join(dir, 'einhorn.lock'), ...binds.flatMap((b) => ['-b', b]), ...(manual ? ['-m', 'manual'] : []), ...opts, '--', ...(cfg.program ?? [join(dir, 'run')])];
  const d = hexadDaemon(args, { env: { ...process.env, EINHORN_TEST_MANUAL: manual ? '1' : '0', ...cfg.env } });
  let st: Map<unknown, unknown> | null = null;
  await until(`master answering (stderr: ${d.stderr})`, async () => {
    if (!d.running) return true;
    st = await state(sock).catch(() => null);
    return st !== null;
  });
  if (!d.running || !st) throw new Error(`master exited: ${d.stderr}`);
  const ports = (st as Map<unknown, unknown>).get(Sym.of('bound_ports')) as number[];
  return { d, sock, pidfile, dir, port: ports[0] ?? 0 };
}

/** Runs one command; returns its messages. */
export async function command(sock: string, name: string, args: string[] = []): Promise<string[]> {
  const c = await Client.connect(sock);
  try {
    return await c.command(name, args);
  } finally {
    c.close();
  }
}

export interface ChildInfo {
  pid: number;
  version: number;
  acked: boolean;
  signaled: string[];
  index: number;
}

/** The `state` command's document, parsed (the inner :state mapping). */
export async function state(sock: string): Promise<Map<unknown, unknown>> {
  const [msg] = await command(sock, 'state');
  const doc = parse(msg) as Map<unknown, unknown>;
  return doc.get(Sym.of('state')) as Map<unknown, unknown>;
}

export async function children(sock: string): Promise<ChildInfo[]> {
  const st = await state(sock);
  const kids = st.get(Sym.of('children')) as Map<number, Map<unknown, unknown>>;
  return [...kids.entries()].map(([pid, c]) => ({
    pid,
    version: c.get(Sym.of('version')) as number,
    acked: c.get(Sym.of('acked')) as boolean,
    signaled: (c.get(Sym.of('signaled')) as RubySet).items.map(String),
    index: c.get(Sym.of('index')) as number,
  }));
}

/** Waits until exactly `n` workers of the current version are acked and nothing else runs. */
export async function settled(m: Master, n: number, version?: number, ms = 20_000): Promise<ChildInfo[]> {
  let last: ChildInfo[] = [];
  await until(`${n} acked workers${version === undefined ? '' : ` of version ${version}`} (have ${JSON.stringify(last)}; stderr: ${m.d.stderr.slice(-2000)})`, async () => {
    last = await children(m.sock);
    return last.length === n && last.every((c) => c.acked && c.signaled.length === 0 && (version === undefined || c.version === version));
  }, ms);
  return last;
}

export interface Info {
  pid: number;
  version: string;
  index: number;
  ppid: number;
  pgid: number;
  nice: number;
  fd3: string;
  env: Record<string, string>;
}

/** One GET on a new connection. */
export function get(port: number, path = '/info', host = '127.0.0.1'): Promise<Info> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as Info);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

export { HEXAD };
