// hexad/child with real processes: inherited sockets (einhorn and systemd variables), einhorn
// ACK and ping over a UNIX socket, s6 readiness on a pipe, graceful shutdown on SIGUSR2.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { childIndex, inheritedSockets, listenAll, NoInheritedSocketsError, underEinhorn } from '../../src/child/index.js';
import * as native from '../../src/native/index.js';
import { rmrf, sleep, tmp, until } from '../helpers.js';

const LIB = fileURLToPath(new URL('../../src/child/index.js', import.meta.url));

// A server on the inherited sockets. argv[2]: 'serve' | 'ack' | 'ready' | 'list'
const PROGRAM = `
import http from 'node:http';
import * as child from ${JSON.stringify(LIB)};
const what = process.argv[2];
if (what === 'list') {
  console.log(JSON.stringify(child.inheritedSockets()));
  await child.listen(http.createServer()).then(() => console.log('listening'), (e) => console.log('error: ' + e.message));
  process.exit(0);
}
if (what === 'ack') {
  console.log(JSON.stringify([await child.ack(), await child.ping('r1')]));
  process.exit(0);
}
if (what === 'ready') {
  await child.ready({ notificationFd: 3 });
  process.exit(0);
}
const server = http.createServer((req, res) => {
  const ms = Number(new URL(req.url, 'http://x').searchParams.get('ms') ?? 0);
  setTimeout(() => res.end('pid ' + process.pid), ms);
});
await child.listen(server);
child.gracefulShutdown(server, { idleGrace: 400, timeout: 5000 });
console.log('listening');
`;

function program(dir: string): string {
  const p = join(dir, 'child.mjs');
  writeFileSync(p, PROGRAM);
  return p;
}

interface Run {
  c: ChildProcess;
  out: string;
  exit: Promise<number | null>;
}

/** Starts the program through sh so that LISTEN_PID can be its own pid, with `fds` at 3, 4, …. */
function start(dir: string, what: string, env: NodeJS.ProcessEnv, fds: (number | 'pipe')[] = [], listenPid = true): Run {
  const c = spawn('/bin/sh', ['-c', `${listenPid ? 'LISTEN_PID=$$; export LISTEN_PID; ' : ''}exec "$0" "$@"`, process.execPath, program(dir), what], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit', ...fds],
  });
  const r: Run = { c, out: '', exit: new Promise((res) => c.on('exit', (code) => res(code))) };
  c.stdout!.setEncoding('utf8').on('data', (d) => (r.out += d));
  return r;
}

test('inheritedSockets: einhorn variables first, systemd only for its LISTEN_PID', () => {
  assert.deepEqual(inheritedSockets({ EINHORN_FD_COUNT: '2', EINHORN_FD_0: '3', EINHORN_FD_1: '7', LISTEN_FDS: '1', LISTEN_PID: String(process.pid) }), [
    { fd: 3, name: 'einhorn0', source: 'einhorn' },
    { fd: 7, name: 'einhorn1', source: 'einhorn' },
  ]);
  assert.deepEqual(inheritedSockets({ LISTEN_FDS: '2', LISTEN_PID: String(process.pid), LISTEN_FDNAMES: 'web:admin' }), [
    { fd: 3, name: 'web', source: 'systemd' },
    { fd: 4, name: 'admin', source: 'systemd' },
  ]);
  assert.deepEqual(inheritedSockets({ LISTEN_FDS: '2', LISTEN_PID: '1' }), []);
  assert.deepEqual(inheritedSockets({}), []);
  assert.throws(() => inheritedSockets({ EINHORN_FD_COUNT: '1', EINHORN_FD_0: 'x' }));
  assert.equal(underEinhorn({ EINHORN_MASTER_PID: String(process.ppid) }), true);
  assert.equal(underEinhorn({ EINHORN_MASTER_PID: '1' }), process.ppid === 1);
  assert.equal(childIndex({ EINHORN_CHILD_INDEX: '4' }), 4);
});

test('a server listens on a socket passed the systemd way, and refuses a LISTEN_PID that is not its own', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  const fd = native.listen('ipv4', '127.0.0.1', 0, 16, true);
  t.after(() => closeSync(fd));
  const port = native.localPort(fd);
  const r = start(dir, 'serve', { LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' }, [fd]);
  t.after(() => r.c.kill('SIGKILL'));
  await until('listening', () => r.out.includes('listening'));
  const body = await new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (d) => (b += d));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  assert.equal(body, `pid ${r.c.pid}`);
  const l = start(dir, 'list', { LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' }, [fd]);
  await l.exit;
  assert.match(l.out, /^\[\{"fd":3,"name":"web","source":"systemd"\}\]\nlistening\n$/);
  const wrong = start(dir, 'list', { LISTEN_FDS: '1', LISTEN_PID: '1' }, [fd], false);
  await wrong.exit;
  assert.equal(wrong.out, '[]\nerror: no inherited socket #0 (have 0): not run under einhorn or systemd?\n');
});

test('ack() and ping() speak to EINHORN_SOCK_PATH, only for a worker of EINHORN_MASTER_PID', async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  const path = join(dir, 'master.sock');
  const lines: string[] = [];
  const server = net.createServer((s) => {
    let buf = '';
    s.setEncoding('utf8').on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        lines.push(buf.slice(0, i));
        s.destroy(); // einhorn closes the connection after a worker:* line
      }
    });
  });
  await new Promise<void>((res) => server.listen(path, res));
  t.after(() => server.close());
  const r = start(dir, 'ack', { EINHORN_MASTER_PID: String(process.pid), EINHORN_SOCK_PATH: path });
  assert.equal(await r.exit, 0);
  assert.equal(r.out, '[true,true]\n');
  assert.deepEqual(lines, [`{"command":"worker:ack","pid":${r.c.pid}}`, `{"command":"worker:ping","pid":${r.c.pid},"request_id":"r1"}`]);
  const other = start(dir, 'ack', { EINHORN_MASTER_PID: '1', EINHORN_SOCK_PATH: path });
  assert.equal(await other.exit, 0);
  assert.equal(other.out, '[false,false]\n');
  assert.equal(lines.length, 2);
});

test('ready() writes the s6 notification line and closes the descriptor', async () => {
  const dir = tmp();
  try {
    const r = start(dir, 'ready', {}, ['pipe']);
    const pipe = r.c.stdio[3] as NodeJS.ReadableStream;
    let got = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => (got += d));
    await new Promise((res) => pipe.on('end', res));
    assert.equal(got, '\n');
    assert.equal(await r.exit, 0);
  } finally {
    rmrf(dir);
  }
});

test('graceful shutdown on SIGUSR2: in-flight requests finish, keep-alive connections get Connection: close, then exit 0', { timeout: 30_000 }, async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  const fd = native.listen('ipv4', '127.0.0.1', 0, 16, true);
  t.after(() => closeSync(fd));
  const port = native.localPort(fd);
  const r = start(dir, 'serve', { EINHORN_FD_COUNT: '1', EINHORN_FD_0: '3' }, [fd]);
  t.after(() => r.c.kill('SIGKILL'));
  await until('listening', () => r.out.includes('listening'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  t.after(() => agent.destroy());
  const req = (ms: number): Promise<{ status: number; connection: string | undefined; body: string }> =>
    new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: `/?ms=${ms}`, agent }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: b }));
      }).on('error', reject);
    });
  // two keep-alive connections left idle in the agent (the listening socket is the test's and
  // nobody else accepts on it, so every request below must use one of them)
  const warm = await Promise.all([req(50), req(50)]);
  assert.deepEqual(warm.map((w) => w.connection), ['keep-alive', 'keep-alive']);
  const inflight = req(600);
  const idle = net.createConnection(port, '127.0.0.1');
  let idleClosed = false;
  idle.on('close', () => (idleClosed = true));
  idle.on('error', () => {});
  await sleep(150);
  r.c.kill('SIGUSR2');
  await sleep(50);
  const next = await req(0); // on the idle keep-alive connection: answered, then closed
  assert.equal(next.status, 200);
  assert.equal(next.connection, 'close');
  const slow = await inflight;
  assert.equal(slow.status, 200);
  assert.equal(slow.connection, 'close');
  assert.equal(await r.exit, 0);
  await until('the idle raw connection closed by the server', () => idleClosed);
});

test('listenAll with no inherited sockets: a clear error, or the opt-in fallback port; [] under einhorn without -b', async (t) => {
  await assert.rejects(listenAll(() => net.createServer(), { env: {} }), (e: Error) => e instanceof NoInheritedSocketsError && /no listening sockets were passed/.test(e.message));
  // LISTEN_FDS for another process counts as nothing passed
  await assert.rejects(listenAll(() => net.createServer(), { env: { LISTEN_FDS: '1', LISTEN_PID: '1' } }), NoInheritedSocketsError);
  assert.deepEqual(await listenAll(() => net.createServer(), { env: { EINHORN_FD_COUNT: '0' } }), []);
  const servers = await listenAll(() => net.createServer((s) => s.end('hi')), { env: {}, fallback: { port: 0, host: '127.0.0.1' } });
  t.after(() => servers.forEach((s) => s.close()));
  assert.equal(servers.length, 1);
  const port = (servers[0].address() as net.AddressInfo).port;
  const got = await new Promise<string>((resolve, reject) => {
    let b = '';
    net.connect(port, '127.0.0.1').on('data', (d) => (b += d)).on('end', () => resolve(b)).on('error', reject);
  });
  assert.equal(got, 'hi');
});
