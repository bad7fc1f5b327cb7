// ready: sd_notify (a real program sends READY=1 on $NOTIFY_SOCKET) and ready: einhorn (the
// master's readiness once its workers ACK), each holding back an rc dependent with condition ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { project } from './fixture.js';
import { hexadAsync, run, sleep, until } from '../helpers.js';

const PY = '/usr/bin/python3';
const CHILD = fileURLToPath(new URL('../../src/child/index.js', import.meta.url));

const svstat = (dir: string): string[] => run('s6-svstat', ['-o', 'up,ready,pid', dir]).stdout.trim().split(/\s+/);

/** Processes whose command line contains `word` (the listener must be gone once ready). */
function processesWith(word: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(word)) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

test('ready sd_notify: ready only after READY=1, the app is the supervised pid, the listener and its socket are gone', { timeout: 120_000 }, async (t) => {
  const notify = [
    'import os, socket, time',
    "open('socket.txt', 'w').write(os.environ['NOTIFY_SOCKET'])",
    "while not os.path.exists('go'): time.sleep(0.05)",
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    "s.connect(os.environ['NOTIFY_SOCKET'])",
    "s.send(b'STATUS=starting\\nREADY=1\\n')",
    'time.sleep(1000)',
  ].join('\n');
  const p = project(t, {
    apps: [
      { name: 'notified', ready: { type: 'sd_notify' }, log: false, run: [PY, '-c', notify] },
      { name: 'after', dependsOn: { notified: 'ready' }, log: false, run: 'touch after-started; exec sleep 1000' },
    ],
  });
  const up = hexadAsync(['up', '-d'], { cwd: p.dir });
  const sv = join(p.dir, '.hexad/scan/notified');
  await until('notified up', () => existsSync(p.file('socket.txt')) && svstat(sv)[0] === 'true');
  const sock = readFileSync(p.file('socket.txt'), 'utf8');
  assert.ok(existsSync(sock), 'the socket exists while the app has not said READY=1');
  await sleep(1000);
  const [, ready, pid] = svstat(sv);
  assert.equal(ready, 'false', 'not ready before READY=1');
  assert.equal(existsSync(p.file('after-started')), false, 'the dependent waits');
  assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /python3/, 'the supervised pid is the app itself');
  assert.equal(readdirSync(`/proc/${pid}/fd`).includes('3'), false, 'the app does not hold the notification fd');
  assert.equal(processesWith(`app-notify\0--fd\x003\0--pid\0${pid}\0`).length, 1, 'one listener, for this app');

  writeFileSync(p.file('go'), '');
  await until('ready', () => svstat(sv)[1] === 'true');
  assert.equal((await up).code, 0);
  assert.ok(existsSync(p.file('after-started')), 'the dependent started once notified was ready');
  await until('listener gone', () => processesWith(`app-notify\0--fd\x003\0--pid\0${pid}\0`).length === 0);
  assert.equal(existsSync(dirname(sock)), false, 'the socket and its directory are removed');
  assert.equal(svstat(sv)[2], pid, 'same pid');
});

test('ready sd_notify with user: the app, run as that user, can reach the socket', { timeout: 120_000 }, async (t) => {
  const send = "import os, socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(os.environ['NOTIFY_SOCKET']); s.send(b'READY=1'); import time; time.sleep(1000)";
  const p = project(t, { apps: [{ name: 'unpriv', user: 'nobody', ready: { type: 'sd_notify' }, log: false, run: [PY, '-c', send] }] });
  const r = p.run(['up', '-d']);
  assert.equal(r.code, 0, r.stderr);
  const [, ready, pid] = svstat(join(p.dir, '.hexad/scan/unpriv'));
  assert.equal(ready, 'true');
  assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+65534\b/m);
});

test('ready sd_notify: the listener ends when the app dies before READY=1', { timeout: 120_000 }, async (t) => {
  const p = project(t, { apps: [{ name: 'quitter', ready: { type: 'sd_notify' }, log: false, restart: { policy: 'never' },
    run: 'echo "$NOTIFY_SOCKET" > socket.txt; sleep 1; exit 3' }] });
  const up = hexadAsync(['up', '-d'], { cwd: p.dir });
  await until('socket written', () => existsSync(p.file('socket.txt')));
  const sock = readFileSync(p.file('socket.txt'), 'utf8').trim();
  // the listener notices the death within a few polls, and removes the socket's directory
  await until('socket removed', () => !existsSync(dirname(sock)), 30_000);
  p.run(['down']);
  await up;
});

test('ready einhorn: an rc dependent waits until the workers ACK', { timeout: 120_000 }, async (t) => {
  const port = 21000 + (process.pid % 20000);
  const worker = `import('${CHILD}').then(async (c) => { const fs = require('fs');
    const [srv] = await c.listenAll(() => require('net').createServer((s) => s.end('hi')));
    fs.appendFileSync('workers.txt', process.cwd() + '\\n');
    while (!fs.existsSync('ack')) await new Promise((r) => setTimeout(r, 50));
    await c.ack(); })`;
  const p = project(t, {
    apps: [
      { name: 'web', socket: { bind: `127.0.0.1:${port}`, workers: 2, ackMode: 'manual' }, ready: { type: 'einhorn' }, log: false,
        cwd: '.', run: [process.execPath, '-e', worker] },
      // a second socket app at once: each master has its own pidfile and lockfile
      { name: 'web2', socket: { bind: `127.0.0.1:${port + 1}`, workers: 1, ackMode: 'timer', ackTimeout: 1 }, ready: { type: 'einhorn' }, log: false,
        run: [process.execPath, '-e', `import('${CHILD}').then((c) => c.listenAll(() => require('net').createServer((s) => s.end('hi'))))`] },
      { name: 'client', dependsOn: { web: 'ready', web2: 'ready' }, log: false, run: 'touch client-started; exec sleep 1000' },
    ],
  });
  const up = hexadAsync(['up', '-d'], { cwd: p.dir });
  const sv = join(p.dir, '.hexad/scan/web');
  await until('two workers', () => existsSync(p.file('workers.txt')) && readFileSync(p.file('workers.txt'), 'utf8').trim().split('\n').length === 2, 60_000);
  assert.deepEqual(readFileSync(p.file('workers.txt'), 'utf8').trim().split('\n'), [p.dir, p.dir], 'workers run in the app\'s cwd');
  await sleep(1000);
  assert.deepEqual(svstat(sv).slice(0, 2), ['true', 'false'], 'up, not ready before the ACKs');
  assert.equal(existsSync(p.file('client-started')), false, 'the dependent waits for the ACKs');
  writeFileSync(p.file('ack'), '');
  await until('ready', () => svstat(sv)[1] === 'true', 60_000);
  assert.equal((await up).code, 0);
  assert.ok(existsSync(p.file('client-started')));
  assert.equal(svstat(join(p.dir, '.hexad/scan/web2'))[1], 'true');
  for (const app of ['web', 'web2']) assert.ok(existsSync(join(p.dir, `.hexad/einhorn/${app}.pid`)), `${app}.pid`);
  // hexad reload of a socket app: an einhorn upgrade, the master stays the supervised pid
  const masterPid = svstat(join(p.dir, '.hexad/scan/web2'))[2];
  const r = p.run(['reload', 'web2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(svstat(join(p.dir, '.hexad/scan/web2'))[2], masterPid);
  // the master runs in the service directory: hexad ls shows its workers
  const ls = JSON.parse(p.run(['ls', '--json']).stdout);
  const web = ls.services.find((s: { name: string }) => s.name === 'web');
  assert.equal(web.workers?.length, 2, JSON.stringify(web));
});
