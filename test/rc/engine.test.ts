// The change engine on hexad svscan: failures blocking only their dependents, timeouts,
// essential services, signals, locking, diff, and a 100-service graph up and down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, hexadAsync, hexadDaemon, sleep, until } from '../helpers.js';
import { bundle, deps, infoLines, longrun, oneshot, RcEnv, readyLongrun, type Def } from './rc-helpers.js';

test('engine: a failing oneshot in the middle blocks only its dependents, then a summary', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  env.setup({
    base: readyLongrun(),
    fail1: oneshot('/bin/sh -c "exit 3"\n', deps(['base'])),
    'dep-on-fail': oneshot('true\n', deps(['fail1'])),
    'dep-on-dep': longrun(undefined, deps(['dep-on-fail'])),
    indep: oneshot('true\n'),
    other: longrun(undefined, deps(['base'])),
    all: bundle(['dep-on-dep', 'indep', 'other']),
  });
  const r = env.rc(['-v2', 'change', 'all']);
  assert.equal(r.code, 1);
  const lines = infoLines(r.stderr);
  assert.ok(lines.includes('hexad rc: warning: unable to start service fail1: command exited 3'), r.stderr);
  assert.ok(!lines.some((l) => /dep-on-fail|dep-on-dep/.test(l) && !l.includes('summary')), 'dependents are never started');
  assert.equal(lines.at(-1), 'hexad rc: warning: summary: fail1 failed to start (command exited 3); dependents not started: dep-on-dep dep-on-fail');
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 'base', 'other', 'indep']);
  // running it again once the cause is fixed is enough: -v1 only warns
  const again = env.rc(['change', 'all']);
  assert.equal(again.code, 1);
  assert.deepEqual(again.stderr.split('\n').filter(Boolean), [
    'hexad rc: warning: unable to start service fail1: command exited 3',
    'hexad rc: warning: summary: fail1 failed to start (command exited 3); dependents not started: dep-on-dep dep-on-fail',
  ]);
  assert.equal(env.rc(['-v0', 'change', 'all']).stderr, '');
});

test('engine: timeout-up, the global -t deadline, and a longrun that never becomes ready', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  const never: Def = longrun('exec sleep 1000\n', { 'notification-fd': '3\n' });
  env.setup({
    slowready: { ...never, 'timeout-up': '300\n' },
    'after-slow': oneshot('true\n', deps(['slowready'])),
    stuck: never,
    'oneshot-slow': oneshot('sleep 10\n', { 'timeout-up': '200' }),
    permafail: longrun('exit 1\n', { 'notification-fd': '3\n', finish: '#!/bin/sh\nexit 125\n' }),
  });
  // a permanent failure (finish exits 125) ends the wait at once
  const p = env.rc(['change', 'permafail']);
  assert.equal(p.code, 1);
  assert.match(p.stderr, /service permafail: .*permafail failed permanently or its supervisor died\n.*unable to start service permafail: command exited 1\n/);
  const r = env.rc(['-v2', 'change', 'after-slow']);
  assert.equal(r.code, 1);
  const lines = infoLines(r.stderr);
  assert.ok(lines.includes('hexad rc: warning: service slowready: timed out after 300 ms'), r.stderr);
  assert.ok(lines.includes('hexad rc: warning: unable to start service slowready: command exited 99'));
  assert.ok(!lines.some((l) => l.includes('after-slow: starting')));
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner']);
  assert.ok(existsSync(join(env.live, 'servicedirs', 'slowready', 'down')));
  await until('slowready to be sent down after the failure', () => /^down/.test(hexad(['svstat', join(env.scandir, 'slowready')]).stdout));
  // the global deadline: exit 2 at once
  const g = env.rc(['-v2', '-t', '200', 'change', 'stuck']);
  assert.deepEqual([g.code, g.stderr.split('\n').filter(Boolean).at(-1)], [2, 'hexad rc: fatal: timed out']);
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner']);
  // oneshot timeouts: the runner stops the script, the transition fails with 111
  const o = env.rc(['change', 'oneshot-slow']);
  assert.equal(o.code, 1);
  assert.match(o.stderr, /service oneshot-slow: timed out after 200 ms\n.*unable to start service oneshot-slow: command exited 111/);
  assert.equal(env.rc(['-D', 'change', 'stuck', 'slowready']).code, 0);
});

test('engine: essential services with -d and -D', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  env.setup({
    ess: oneshot('true\n', { 'flag-essential': '' }),
    svc: readyLongrun({ 'flag-essential': '' }),
    user: longrun(undefined, deps(['svc'])),
  });
  assert.equal(env.rc(['change', 'ess', 'user']).code, 0);
  const d = env.rc(['-v2', '-da', 'change']);
  assert.equal(d.code, 0);
  const lines = infoLines(d.stderr);
  assert.ok(lines.includes('hexad rc: warning: service ess is marked as essential, not stopping it'));
  assert.ok(lines.includes('hexad rc: warning: service svc is marked as essential, not stopping it'));
  assert.ok(lines.includes('hexad rc: info: service user successfully stopped'));
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 'svc', 'ess'], 'the runner stays: an essential oneshot needs it');
  const D = env.rc(['-Da', 'change']);
  assert.deepEqual([D.code, D.stderr], [0, '']);
  assert.deepEqual(env.up(), []);
});

test('engine: SIGTERM aborts longrun transitions; locks keep queries out of a change', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  env.setup({ slowready: longrun('exec sleep 1000\n', { 'notification-fd': '3\n' }), a: oneshot('true\n') });
  const change = hexadDaemon(['rc', '-l', env.live, '-v2', 'change', 'slowready']);
  t.after(() => change.stop());
  await until('the change to start', () => change.stderr.includes('service slowready: starting'));
  const busy = env.rc(['-a', 'list']);
  assert.deepEqual([busy.code, busy.stderr], [111, 'hexad rc: fatal: unable to take locks: Device or resource busy\n']);
  assert.equal(env.rc(['change', 'a']).code, 111, 'a second change is refused too');
  const blocking = hexadAsync(['rc', '-l', env.live, '-b', '-a', 'list']);
  await sleep(100);
  change.kill('SIGTERM');
  await change.wait();
  assert.equal(change.exitCode, 1);
  assert.deepEqual(infoLines(change.stderr), [
    'hexad rc: info: service slowready: starting',
    'hexad rc: warning: received TERM, aborting longrun transitions and exiting asap',
    'hexad rc: warning: unable to start service slowready: command crashed with signal 15',
    'hexad rc: warning: summary: slowready failed to start (crashed with signal 15); nothing else was held back',
  ]);
  const waited = await blocking;
  assert.deepEqual([waited.code, waited.stdout], [0, ''], '-b waited for the change to end');
  await until('slowready down', () => /^down/.test(hexad(['svstat', join(env.scandir, 'slowready')]).stdout));
});

test('engine: diff reports what the supervisors do behind rc\'s back', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  env.setup({ web: longrun(), db: readyLongrun() });
  assert.equal(env.rc(['change', 'web']).code, 0);
  assert.deepEqual(env.rc(['diff']), { code: 0, signal: null, stdout: '', stderr: '' });
  hexad(['svc', '-d', join(env.scandir, 'web')]);
  hexad(['svc', '-u', join(env.scandir, 'db')]);
  await until('the supervisors to take the commands', () => env.rc(['diff']).stdout.split('\n').length === 3);
  const d = env.rc(['diff']);
  assert.deepEqual([d.code, d.stdout], [1, '+db\n-web\n']);
  assert.deepEqual(JSON.parse(env.rc(['--json', 'diff']).stdout), [{ name: 'db', rcUp: false, wantedUp: true }, { name: 'web', rcUp: true, wantedUp: false }]);
  hexad(['svc', '-d', join(env.scandir, 'db')]);
  assert.equal(env.rc(['-D', 'change', 'web']).code, 0);
});

test('engine: 100 longruns in 10 layers of 10 with readiness, up and down', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  const defs: Record<string, Def> = {};
  for (let layer = 0; layer < 10; layer++) {
    for (let k = 0; k < 10; k++) {
      defs[`s${layer}-${k}`] = readyLongrun(layer ? deps(Array.from({ length: 10 }, (_, j) => `s${layer - 1}-${j}`)) : {});
    }
  }
  defs.top = bundle(Array.from({ length: 10 }, (_, j) => `s9-${j}`));
  env.setup(defs);
  const up = env.rc(['-v2', 'change', 'top']);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(env.up().length, 100);
  // every service started after all of the previous layer was up
  const lines = infoLines(up.stderr);
  for (let layer = 1; layer < 10; layer++) {
    const firstStart = lines.findIndex((l) => l.startsWith(`hexad rc: info: service s${layer}-`) && l.endsWith(': starting'));
    const lastReady = Math.max(...Array.from({ length: 10 }, (_, j) => lines.indexOf(`hexad rc: info: service s${layer - 1}-${j} successfully started`)));
    assert.ok(lastReady >= 0 && lastReady < firstStart, `layer ${layer} waited for layer ${layer - 1}`);
  }
  const down = env.rc(['-da', 'change']);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(env.up(), []);
  writeFileSync(join(env.root, 'done'), '');
});

test('engine: oneshots run in the supervision tree\'s context, with rc\'s stdio; -v3; timeout-down', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  const out = join(env.root, 'ctx');
  env.setup({
    ctx: oneshot(`/bin/sh -c "echo ctx is up; echo \\"caller=$CALLER_ONLY name=$RC_NAME cwd=$(pwd) parent=$PPID\\" > ${out}"\n`),
    stubborn: longrun("trap '' TERM\nexec sleep 1000\n", { 'timeout-down': '200\n', 'timeout-kill': '60000\n' }),
  });
  const r = hexad(['rc', '-l', env.live, '-v3', 'change', 'ctx'], { env: { ...process.env, CALLER_ONLY: 'yes' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ctx is up\n', "the script's stdout is rc's");
  const ctx = readFileSync(out, 'utf8');
  assert.match(ctx, /^caller= name=ctx cwd=/, "the caller's environment does not reach the script");
  assert.ok(ctx.includes(`cwd=${realpathSync(env.live)}`));
  assert.ok(r.stderr.includes('hexad rc: info: bringing selected services up\n'));
  const again = env.rc(['-v3', 'change', 'ctx']);
  assert.deepEqual(infoLines(again.stderr), ['hexad rc: info: bringing selected services up', 'hexad rc: info: service s6rc-oneshot-runner: already up',
    'hexad rc: info: service ctx: already up']);
  // a longrun that ignores SIGTERM: the down transition times out (and rc does nothing more)
  assert.equal(env.rc(['change', 'stubborn']).code, 0);
  const d = env.rc(['-d', 'change', 'stubborn']);
  assert.equal(d.code, 1);
  assert.match(d.stderr, /service stubborn: timed out after 200 ms\n.*unable to stop service stubborn: command exited 99\n/);
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 'stubborn', 'ctx']);
  hexad(['svc', '-k', join(env.scandir, 'stubborn')]);
  assert.equal(env.rc(['-d', 'change', 'stubborn']).code, 0);
});

test('status: rcStatus lists the live services of a scan directory with their type and state', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  env.setup({ web: readyLongrun(), once: oneshot('true\n', { 'flag-essential': '' }) });
  assert.equal(env.rc(['change', 'web']).code, 0);
  const { rcStatus } = await import('../../src/rc/status.js');
  const st = rcStatus(env.scandir);
  assert.equal(st.length, 1);
  assert.equal(st[0].live, env.live);
  assert.equal(st[0].busy, false);
  assert.deepEqual(st[0].services, [
    { name: 's6rc-oneshot-runner', type: 'longrun', up: false, essential: false, internal: true },
    { name: 's6rc-fdholder', type: 'longrun', up: false, essential: false, internal: true },
    { name: 'web', type: 'longrun', up: true, essential: false, internal: false, link: 'web' },
    { name: 'once', type: 'oneshot', up: false, essential: true, internal: false },
  ]);
  assert.deepEqual(rcStatus(join(env.root, 'nosuch')), []);
});
