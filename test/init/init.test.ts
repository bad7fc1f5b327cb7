// hexad init as a container's PID 1: stage order, exit codes, signals, stage 3, orphans.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { get as httpGet } from 'node:http';
import { hexad, rmrf, tmp, until } from '../helpers.js';
import { canUnshare, nsInitPid, runInit, startInit, trace, writeTree } from './init-helpers.js';

const base = tmp('hexad-init-');
after(() => rmrf(base));
let n = 0;
const newRoot = (files: Record<string, string>): string => {
  const root = join(base, `r${n++}`);
  writeTree(root, files);
  return root;
};
const skip = !canUnshare && 'needs root and unshare';

/** A root with one of everything, each appending its name to the trace. */
const FULL: Record<string, string> = {
  'etc/cont-init.d/01-first': '#!/bin/sh\necho cont-init-1 >> @TRACE@\n',
  'etc/cont-init.d/02-second': '#!/bin/sh\necho cont-init-2 >> @TRACE@\n',
  'etc/s6-overlay/s6-rc.d/prepare/type': 'oneshot\n',
  'etc/s6-overlay/s6-rc.d/prepare/up': '@ROOT@/etc/s6-overlay/scripts/prepare\n',
  'etc/s6-overlay/scripts/prepare': '#!/bin/sh\necho rc-oneshot >> @TRACE@\n',
  'etc/s6-overlay/s6-rc.d/app/type': 'longrun\n',
  'etc/s6-overlay/s6-rc.d/app/run': '#!/bin/sh\necho rc-longrun >> @TRACE@\nexec sleep 1000\n',
  'etc/s6-overlay/s6-rc.d/app/finish': '#!/bin/sh\necho rc-longrun-finish >> @TRACE@\n',
  'etc/s6-overlay/s6-rc.d/app/dependencies.d/prepare': '',
  'etc/s6-overlay/s6-rc.d/app/dependencies.d/base': '',
  'etc/s6-overlay/s6-rc.d/user/contents.d/app': '',
  'etc/services.d/legacy/run': '#!/bin/sh\necho services.d >> @TRACE@\nexec sleep 1000\n',
  'etc/services.d/legacy/finish': '#!/bin/sh\necho services.d-finish >> @TRACE@\n',
  'etc/services.d/legacy/log/run': '#!/bin/sh\nexec cat\n',
  'etc/cont-finish.d/01-bye': '#!/bin/sh\necho cont-finish >> @TRACE@\n',
};

test('stage order is cont-init → rc user bundle → services.d → CMD → stage 3 → cont-finish; CMD\'s code is init\'s', { skip }, async () => {
  const root = newRoot(FULL);
  const r = await runInit(root, ['/bin/sh', '-c', `echo cmd >> ${root}/trace; exit 3`]);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual(trace(root), ['cont-init-1', 'cont-init-2', 'rc-oneshot', 'rc-longrun', 'services.d', 'cmd', 'rc-longrun-finish', 'services.d-finish', 'cont-finish']);
  assert.equal(readFileSync(join(root, 'run/s6-linux-init-container-results/exitcode'), 'utf8').trim(), '3');
});

test('a CMD killed by a signal: 128 + signal', { skip }, async () => {
  const root = newRoot({ 'etc/services.d/' : '' });
  const r = await runInit(root, ['/bin/sh', '-c', 'kill -9 $$']);
  assert.equal(r.code, 137, r.stderr);
});

test('SIGTERM with no CMD: services and loggers brought down with their finish scripts, cont-finish run, exit 0; a second TERM keeps the grace time', { skip }, async () => {
  const root = newRoot({
    ...FULL,
    // ignores TERM: only the final KILL ends it, after S6_SERVICES_GRACETIME + S6_KILL_GRACETIME
    'etc/services.d/stubborn/run': '#!/bin/sh\ntrap "echo stubborn-term >> @TRACE@" TERM\necho stubborn >> @TRACE@\nwhile :; do sleep 0.1; done\n',
  });
  const run = startInit(root, [], { S6_SERVICES_GRACETIME: '800', S6_KILL_GRACETIME: '800' });
  await until('services up', () => trace(root).includes('services.d') && trace(root).includes('stubborn') && existsSync(join(root, 'run/s6/container-ready')), 60_000);
  const pid = nsInitPid(run.child.pid!);
  assert.ok(pid > 1);
  process.kill(pid, 'SIGTERM');
  await until('stage 3 started', () => run.stderr().includes('starting stage 3'), 30_000);
  process.kill(pid, 'SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  const t = trace(root);
  for (const w of ['rc-longrun-finish', 'services.d-finish', 'cont-finish', 'stubborn-term']) assert.ok(t.includes(w), `${w} in ${t.join(' ')}`);
  assert.ok(t.indexOf('cont-finish') > t.indexOf('services.d-finish'));
  assert.match(r.stderr, /already stopping/);
  assert.match(r.stderr, /KILL signal/);
});

test('a finish script writes the exit code', { skip }, async () => {
  const root = newRoot({
    'etc/services.d/oneshot-like/run': '#!/bin/sh\nexit 5\n',
    'etc/services.d/oneshot-like/finish': '#!/bin/sh\necho "$1" > @ROOT@/run/s6-linux-init-container-results/exitcode\nexec @ROOT@/run/s6/basedir/bin/halt\n',
  });
  const r = await runInit(root, []);
  assert.equal(r.code, 5, r.stderr);
});

test('orphans of every kind are reaped by init as PID 1: zero zombies', { skip }, async () => {
  const root = newRoot({
    'etc/services.d/forker/run': '#!/bin/sh\nfor i in 1 2 3 4 5; do (sleep 0.5 &); done\ni=0; while [ $i -lt 1000 ]; do (true &); i=$((i+1)); done\necho forked >> @TRACE@\nexec sleep 1000\n',
  });
  const run = startInit(root, []);
  await until('forked', () => trace(root).includes('forked'), 120_000);
  const pid = nsInitPid(run.child.pid!);
  const zombies = (): number => {
    let z = 0;
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const s = readFileSync(`/proc/${d}/stat`, 'latin1');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        if (f[0] === 'Z' && Number(f[1]) === pid) z++;
      } catch { /* gone */ }
    }
    return z;
  };
  await new Promise((r) => setTimeout(r, 1000));
  await until('zero zombies', () => zombies() === 0, 60_000);
  process.kill(pid, 'SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
});

test('probe ready / live follow the container', { skip }, async () => {
  const root = newRoot({
    ...FULL,
    'etc/services.d/slow/run': '#!/bin/sh\nexec 3>&-\nexec sleep 1000\n',
    'etc/services.d/slow/notification-fd': '3\n',
  });
  const run = startInit(root, []);
  await until('services up', () => trace(root).includes('services.d'), 60_000);
  const env = { ...process.env, HEXAD_INIT_ROOT: root };
  await until('stage 2 over', () => existsSync(join(root, 'run/s6/hexad-init')) && readFileSync(join(root, 'run/s6/hexad-init'), 'utf8').includes('running'), 60_000);
  const ready = hexad(['probe', 'ready'], { env });
  assert.equal(ready.code, 1);
  assert.match(ready.stderr, /^hexad probe: not ready: slow: up but not ready\n$/);
  assert.equal(hexad(['probe', 'ready', 'app', 'legacy'], { env }).code, 0);
  assert.equal(hexad(['probe', 'live'], { env }).code, 0);
  assert.equal(hexad(['probe', '--root', root, 'ready', 'nosuch']).stderr, 'hexad probe: not ready: nosuch: no such service\n');
  process.kill(nsInitPid(run.child.pid!), 'SIGTERM');
  assert.equal((await run.done).code, 0);
  assert.equal(hexad(['probe', 'live'], { env }).code, 1);
  assert.equal(hexad(['probe', 'ready'], { env }).stderr, 'hexad probe: init is not running\n');
});

test('as a subreaper (not PID 1): nothing is left running after exit', { skip: process.getuid?.() !== 0 && 'root' }, async () => {
  const root = newRoot({
    'etc/services.d/daemonizer/run': '#!/bin/sh\n(trap "" TERM; exec sleep 1000) &\necho $! > @ROOT@/escapee\nexec sleep 1000\n',
  });
  const run = startInit(root, [], { S6_KILL_GRACETIME: '500' }, { pid1: false });
  await until('escapee started', () => existsSync(join(root, 'escapee')) && readFileSync(join(root, 'escapee'), 'utf8').trim() !== '', 60_000);
  const escapee = Number(readFileSync(join(root, 'escapee'), 'utf8'));
  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(`/proc/${escapee}`) || readFileSync(`/proc/${escapee}/stat`, 'latin1').includes(') Z'), 'the TERM-ignoring escapee was killed');
});

test('--http: init serves the metrics and status of its tree; a malformed address stops it before anything runs', { skip }, async () => {
  const root = newRoot(FULL);
  const sock = join(root, 'http.sock');
  const run = startInit(root, [], {}, { args: ['--http', sock] });
  await until('stage 2 over', () => existsSync(join(root, 'run/s6/hexad-init')) && readFileSync(join(root, 'run/s6/hexad-init'), 'utf8').includes('running'), 60_000);
  const get = (path: string): Promise<string> => new Promise((res, rej) => {
    httpGet({ socketPath: sock, path }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d) => { body += d; });
      r.on('end', () => res(body));
    }).on('error', rej);
  });
  assert.match(await get('/metrics'), /^hexad_service_up\{service="legacy"[^}]*\} 1$/m);
  const status = JSON.parse(await get('/api/status')) as { services: Array<{ name: string }> };
  assert.ok(status.services.some((s) => s.name === 'legacy'), JSON.stringify(status.services.map((s) => s.name)));
  process.kill(nsInitPid(run.child.pid!), 'SIGTERM');
  assert.equal((await run.done).code, 0);

  const bad = newRoot(FULL);
  const r = await runInit(bad, [], {}, { args: ['--http', 'nohost:99999'] });
  assert.equal(r.code, 100, r.stderr);
  assert.match(r.stderr, /^hexad init: fatal: invalid --http address/m);
  assert.deepEqual(trace(bad), []);
});
