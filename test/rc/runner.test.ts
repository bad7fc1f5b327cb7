// The oneshot runner protocol, client and server in this test process on a real socket:
// exit codes, signals, exec failures, fds, cwd, environment, timeouts, disconnections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, statSync, constants as C } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { connectUnix, sendFds } from '../../src/native/index.js';
import { OneshotRunner } from '../../src/svscan/oneshot-runner.js';
import { runOneshot } from '../../src/rc/oneshot-client.js';
import { processAlive, rmrf, tmp, until } from '../helpers.js';

const dir = tmp('hexad-runner-');
const sock = join(dir, 'hexad-runner');
const warnings: string[] = [];
const runner = new OneshotRunner(sock, (m) => warnings.push(m));
runner.start();
test.after(() => {
  runner.close();
  rmrf(dir);
});

const run = (argv: string[], extra: { timeout?: number; env?: Record<string, string>; cwd?: string } = {}) =>
  runOneshot({ socket: sock, argv, cwd: extra.cwd ?? dir, env: extra.env ?? {}, timeout: extra.timeout ?? 0 }).done;

test('runner: the socket is private', () => {
  assert.equal(statSync(sock).mode & 0o777, 0o600);
});

test('runner: exit codes, signals, exec failures, empty scripts', async () => {
  assert.deepEqual(await run(['true']), { ok: true });
  assert.deepEqual(await run(['/bin/sh', '-c', 'exit 3']), { ok: false, code: 3 });
  assert.deepEqual(await run(['/bin/sh', '-c', 'kill -9 $$']), { ok: false, code: 137 });
  assert.deepEqual(await run(['/nonexistent/prog']), { ok: false, code: 127 });
  assert.deepEqual(await run([dir]), { ok: false, code: 126 });
  assert.deepEqual(await run([]), { ok: true });
});

test('runner: stdio are the client\'s, cwd and environment are the runner\'s plus extras, new session', async () => {
  const out = join(dir, 'out');
  const fd = openSync(out, C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o644);
  // the client hands over its own fds 0 1 2: make fd 1 of a child client point at the file
  const r = await runThrough(fd, ['/bin/sh', '-c', 'echo "out:$RC_NAME:$HOME:$(pwd):$(ps -o sid= -p $$ | tr -d " ")/$$"'],
    { RC_NAME: 'svc' });
  closeSync(fd);
  assert.deepEqual(r, { ok: true });
  const [tag, name, home, cwd, sess] = readFileSync(out, 'utf8').trim().split(':');
  assert.deepEqual([tag, name, home, cwd], ['out', 'svc', process.env.HOME ?? '', dir]);
  const [sid, pid] = sess.split('/');
  assert.equal(sid, pid, 'the script leads its own session');
  const path = await runCapture(['/bin/sh', '-c', 'echo $PATH']);
  if (existsSync('/usr/lib/execline/bin')) assert.match(path, /^\/usr\/lib\/execline\/bin:/);
});

test('runner: timeout answers timedout and stops the script', async () => {
  const marker = join(dir, 'ran-to-end');
  const pidFile = join(dir, 'sleeper');
  const r = await run(['/bin/sh', '-c', `sleep 5 & echo $! > ${pidFile}; wait; touch ${marker}`], { timeout: 100 });
  assert.equal(r.ok, false);
  assert.equal((r as { code: number }).code, 111);
  assert.equal((r as { timedOut?: boolean }).timedOut, true);
  assert.ok(!existsSync(marker));
  const sleeper = Number(readFileSync(pidFile, 'utf8'));
  await until('the whole process group to be stopped', () => !processAlive(sleeper));
});

test('runner: a client that goes away gets its script stopped (SIGTERM, SIGCONT)', async () => {
  const pidFile = join(dir, 'pid');
  const fd = connectUnix(sock);
  const msg = JSON.stringify({ argv: ['/bin/sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], cwd: dir, env: {}, timeout: 0 }) + '\n';
  sendFds(fd, Buffer.from(msg), [0, 1, 2]);
  const s = new Socket({ fd, readable: true, writable: true });
  const pid = await until('the script to start', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0));
  s.destroy();
  await until('the script to be stopped', () => !processAlive(pid));
});

test('runner: garbage requests are answered 100 and the runner keeps serving', async () => {
  const fd = connectUnix(sock);
  sendFds(fd, Buffer.from('not json\n'), []);
  const s = new Socket({ fd, readable: true, writable: true });
  const reply = await new Promise<string>((resolve) => {
    let t = '';
    s.setEncoding('utf8').on('data', (d) => { t += d; }).on('close', () => resolve(t));
  });
  assert.equal(reply, '{"exit":100}\n');
  assert.deepEqual(await run(['true']), { ok: true });
});

/** Runs argv through a child process whose stdout is `fd`, so the fds passed are a child's. */
async function runThrough(fd: number, argv: string[], env: Record<string, string>): Promise<unknown> {
  const { spawn } = await import('node:child_process');
  const code = `
    const { runOneshot } = await import(${JSON.stringify(new URL('../../src/rc/oneshot-client.js', import.meta.url).href)});
    const r = await runOneshot({ socket: ${JSON.stringify(sock)}, argv: ${JSON.stringify(argv)}, cwd: ${JSON.stringify(dir)}, env: ${JSON.stringify(env)}, timeout: 0 }).done;
    process.stderr.write(JSON.stringify(r));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', fd, 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => { err += d; });
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(err);
}

async function runCapture(argv: string[]): Promise<string> {
  const out = join(dir, 'capture');
  const fd = openSync(out, C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o644);
  await runThrough(fd, argv, {});
  closeSync(fd);
  return readFileSync(out, 'utf8').trim();
}


