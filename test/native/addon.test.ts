// src/native: the system calls Node lacks, checked against the kernel and Debian's tools.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { connectUnix, dup, execve, listen, localPort, lock, mkfifo, pipe, realtime, recvFds, sendFds, setCloexec, strerror, unlock, waitpid } from '../../src/native/index.js';
import { rmrf, run, tmp } from '../helpers.js';

const root = tmp('hexad-native-');
after(() => rmrf(root));

test('fcntl locks are seen by another process, and by Debian s6-svok', () => {
  const dir = join(root, 'sv');
  run('mkdir', ['-p', join(dir, 'supervise')]);
  const fd = openSync(join(dir, 'supervise', 'lock'), 'w');
  assert.equal(lock(fd, 'w'), true);
  // a child sees the lock (F_GETLK reports our pid); s6-svok calls it supervised
  const probe = run(process.execPath, ['--input-type=module', '-e', `
    import { openSync } from 'node:fs';
    const { lockHolder, lock } = await import(${JSON.stringify(new URL('../../src/native/index.js', import.meta.url).href)});
    const fd = openSync(${JSON.stringify(join(dir, 'supervise', 'lock'))}, 'r+');
    console.log(lockHolder(fd, 'r'), lock(fd, 'w', false));`]);
  assert.equal(probe.stdout.trim(), `${process.pid} false`);
  assert.equal(run('/usr/bin/s6-svok', [dir]).code, 0);
  unlock(fd);
  assert.equal(run('/usr/bin/s6-svok', [dir]).code, 1);
  closeSync(fd);
});

test('mkfifo, pipe, dup, cloexec, strerror, realtime', () => {
  const f = join(root, 'fifo');
  mkfifo(f, 0o600);
  assert.ok(statSync(f).isFIFO());
  assert.throws(() => mkfifo(f, 0o600), (e: NodeJS.ErrnoException) => e.code === 'EEXIST');
  const [r, w] = pipe(true);
  writeSync(w, 'abc');
  const b = Buffer.alloc(3);
  readSync(r, b);
  assert.equal(b.toString(), 'abc');
  const d = dup(r, 100);
  assert.ok(d >= 100);
  setCloexec(d, false);
  for (const x of [r, w, d]) closeSync(x);
  assert.equal(strerror(2), 'No such file or directory');
  const [s] = realtime();
  assert.ok(Math.abs(s - Date.now() / 1000) < 2);
});

test('listen without accepting: a client connects and waits in the backlog', async () => {
  const fd = listen('ipv4', '127.0.0.1', 0, 16);
  const port = localPort(fd);
  assert.ok(port > 0);
  const sock = createConnection({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  sock.destroy();
  closeSync(fd);
  assert.throws(() => listen('ipv4', 'not an address', 0, 1), (e: NodeJS.ErrnoException) => e.code === 'EINVAL');
});

test('SCM_RIGHTS: a descriptor passed over a UNIX socket', async () => {
  const path = join(root, 'sock');
  const lfd = listen('unix', path, 0, 4);
  const client = connectUnix(path);
  const [r, w] = pipe(true);
  sendFds(client, Buffer.from('hello'), [w]);
  closeSync(w);
  const got = await new Promise<{ data: string; fds: number[] }>((resolve) => {
    const srv = createServer({ pauseOnConnect: true }, (c) => {
      const h = (c as unknown as { _handle: { fd: number } })._handle.fd;
      const m = recvFds(h, 64)!;
      resolve({ data: m.data.toString(), fds: m.fds });
      c.destroy();
      srv.close();
    });
    srv.listen({ fd: lfd });
  });
  assert.equal(got.data, 'hello');
  assert.equal(got.fds.length, 1);
  writeSync(got.fds[0], 'x');
  const b = Buffer.alloc(1);
  readSync(r, b);
  assert.equal(b.toString(), 'x');
  closeSync(got.fds[0]);
  closeSync(r);
  closeSync(client);
});

test('waitpid reaps a child libuv does not know; a failed execve leaves Node intact', async () => {
  const c = spawn('/bin/sh', ['-c', 'exit 7'], { stdio: 'ignore' });
  const status = await new Promise<number | null>((r) => c.on('exit', r));
  assert.equal(status, 7);
  assert.throws(() => waitpid(999_999, true), (e: NodeJS.ErrnoException) => e.code === 'ECHILD');
  assert.throws(() => execve('/nonexistent/program', ['x'], []), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  // libuv's SIGCHLD handling and our signal handlers still work after the failed exec
  const c2 = spawn('/bin/sh', ['-c', 'exit 3'], { stdio: 'ignore' });
  assert.equal(await new Promise((r) => c2.on('exit', r)), 3);
  const keepAlive = setTimeout(() => { /* a signal listener alone does not keep the loop running */ }, 10_000);
  const got = new Promise((r) => process.once('SIGUSR2', r));
  process.kill(process.pid, 'SIGUSR2');
  await got;
  clearTimeout(keepAlive);
});
