// rc-compile: every diagnostic of s6-rc §11.4, every source file of §1.2, and the
// all-or-nothing output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync,
  writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../../src/native/index.js';
import { Fatal } from '../../src/s6/diag.js';
import { compile } from '../../src/rc/compile.js';
import { loadDb } from '../../src/rc/db.js';
import { hexad, rmrf, tmp, HEXAD } from '../helpers.js';
import { bundle, deps, longrun, oneshot, readyLongrun, writeSource, type Def } from './rc-helpers.js';

interface Out { code: number; errors: string[]; warnings: string[]; infos: string[] }

const root = tmp('hexad-rc-compile-');
let count = 0;
test.after(() => rmrf(root));

/** Compiles `defs` (or several source sets) in-process, as the command would. */
function comp(sets: Record<string, Def> | Array<Record<string, Def>>, verbosity = 1): Out & { dest: string; srcs: string[] } {
  const base = join(root, `c${++count}`);
  const list = Array.isArray(sets) ? sets : [sets];
  const srcs = list.map((defs, k) => writeSource(join(base, `src${k || ''}`), defs));
  const dest = join(base, 'compiled');
  const out: Out = { code: 0, errors: [], warnings: [], infos: [] };
  try {
    compile(dest, srcs, { verbosity, warn: (m) => out.warnings.push(m), info: (m) => out.infos.push(m) });
  } catch (e) {
    if (!(e instanceof Fatal)) throw e;
    out.code = e.code;
    out.errors.push(e.message);
  }
  return { ...out, dest, srcs };
}

function fails(defs: Record<string, Def> | Array<Record<string, Def>>, code: number, message: (src: string[]) => string): void {
  const r = comp(defs);
  assert.deepEqual({ code: r.code, errors: r.errors }, { code, errors: [message(r.srcs)] });
  assert.ok(!existsSync(r.dest), 'nothing is left behind');
  assert.deepEqual(readdirSync(join(r.dest, '..')).filter((f) => f.includes('rc-compile')), []);
}

test('compile: dependency errors', () => {
  fails({ a: oneshot('true', deps(['b'])), b: oneshot('true', deps(['a'])) }, 1, () => 'cyclic service dependency reached from b and involving b');
  fails({ a: longrun(undefined, deps(['a'])) }, 1, () => 'cyclic service dependency reached from a and involving a');
  fails({ a: oneshot('true', deps(['nosuch'])) }, 1, () => 'during dependency resolution for service a: undefined service name nosuch');
  fails({ a: oneshot('true', { dependencies: 'b \n' }), b: oneshot('true') }, 1, () => 'during dependency resolution for service a: undefined service name b ');
  fails({ a: oneshot('true', deps(['s6rc-oneshot-runner'])) }, 1, () => 'in a: identifier s6rc-oneshot-runner starts with reserved prefix');
});

test('compile: names', () => {
  fails([{ a: oneshot('true') }, { a: oneshot('true') }], 1, (s) => `duplicate service definition: a defined in ${s[1]} is already defined and has type oneshot`);
  fails({ 's6rc-foo': oneshot('true') }, 1, (s) => `in ${s[0]}: identifier s6rc-foo starts with reserved prefix`);
  fails({ 's6-rc-foo': oneshot('true') }, 1, (s) => `in ${s[0]}: identifier s6-rc-foo starts with reserved prefix`);
  fails({ 'a\nb': oneshot('true') }, 1, (s) => `subdirectory of ${s[0]} contains a newline character`);
  const r = comp({ '.hidden': oneshot('true'), a: oneshot('true') });
  assert.equal(r.code, 0);
  assert.equal(loadDb(r.dest).typeOf('.hidden'), undefined);
});

test('compile: type, run and up files', () => {
  fails({ a: { type: 'daemon\n' } }, 1, (s) => `invalid ${s[0]}/a/type: must be oneshot, longrun, or bundle`);
  fails({ a: { type: 'oneshot \n', up: 'true' } }, 1, (s) => `invalid ${s[0]}/a/type: must be oneshot, longrun, or bundle`);
  fails({ a: { up: 'true' } }, 111, (s) => `unable to read ${s[0]}/a/type: No such file or directory`);
  assert.equal(comp({ a: { type: 'oneshot', up: 'true' } }).code, 0);
  fails({ a: { type: 'longrun\n' } }, 1, (s) => `: unable to find a run script in ${s[0]}/a/run`);
  fails({ a: { type: 'longrun\n', 'run/x': '' } }, 1, (s) => `${s[0]}/a/run is not a regular file`);
  fails({ a: { type: 'oneshot\n' } }, 111, (s) => `unable to open ${s[0]}/a/up: No such file or directory`);
  fails({ a: oneshot('if { true\n') }, 1, (s) => `syntax error in ${s[0]}/a/up: unmatched {`);
  fails({ a: oneshot('echo "abc\n') }, 1, (s) => `syntax error in ${s[0]}/a/up`);
  fails({ a: oneshot('true', { down: 'a }\n' }) }, 1, (s) => `syntax error in ${s[0]}/a/down: unmatched }`);
});

test('compile: timeouts and numbers', () => {
  fails({ a: oneshot('true', { 'timeout-up': '12abc' }) }, 1, (s) => `invalid ${s[0]}/a/timeout-up`);
  fails({ a: oneshot('true', { 'timeout-down': ' 100' }) }, 1, (s) => `invalid ${s[0]}/a/timeout-down`);
  const ok = comp({ a: oneshot('true', { 'timeout-up': '100\n\n', 'timeout-down': '0' }) });
  assert.equal(ok.code, 0);
  assert.deepEqual(loadDb(ok.dest).services[2].timeout, [0, 100]);
  fails({ a: readyLongrun({ 'lock-fd': '3\n' }) }, 1, () => 'longrun a has the same value for notification-fd and lock-fd');
  fails({ a: longrun(undefined, { 'notification-fd': 'abc\n' }) }, 111, (s) => `unable to read ${s[0]}/a/notification-fd: Invalid argument`);
  const w = comp({ a: longrun(undefined, { 'notification-fd': '1\n' }) });
  assert.deepEqual([w.code, w.warnings], [0, ['longrun a has a notification-fd of 1']]);
});

test('compile: pipelines', () => {
  const prod = (consumer: string): Def => longrun(undefined, { 'producer-for': consumer + '\n' });
  const cons = (producers: string[], extra: Def = {}): Def => longrun(undefined, { 'consumer-for': producers.join('\n') + '\n', ...extra });
  fails({ p: prod('l'), l: longrun() }, 1, () => 'longrun service p declares being a producer for a service named l that does not declare it back');
  fails({ p: longrun(), l: cons(['p']) }, 1, () => 'longrun service l declares being the consumer for a service named p that does not declare it back');
  fails({ p: longrun(undefined, { 'producer-for': 'a\nb\n' }), a: longrun(), b: longrun() }, 1, (s) => `${s[0]}/p/producer-for should only contain one service name`);
  fails({ l: cons(['o']), o: oneshot('true') }, 1, () => 'longrun service l declares being the consumer for a service named o of type oneshot');
  fails({ p: prod('b'), b: bundle([]) }, 1, () => 'longrun service p declares being a producer for a service named b of type bundle');
  fails({ p: prod('l'), l: cons(['p'], { 'pipeline-name': 'p\n' }) }, 1,
    () => 'duplicate service definition: p defined in s6-rc-compile internals is already defined and has type longrun');
  const w = comp({ a: longrun(undefined, { 'pipeline-name': 'x\n' }) });
  assert.deepEqual([w.code, w.warnings], [0, [`${w.srcs[0]}/a contains a pipeline-name file despite not being a last consumer; this file will be ignored`]]);
  // a three-stage funnel: two producers into a middle stage into a logger
  const ok = comp({
    p1: prod('mid'), p2: prod('mid'),
    mid: longrun(undefined, { 'consumer-for': 'p1\np2\n', 'producer-for': 'log\n' }),
    log: cons(['mid'], { 'pipeline-name': 'pipe\n' }),
  });
  assert.equal(ok.code, 0, ok.errors.join());
  const db = loadDb(ok.dest);
  assert.deepEqual(db.resolve('pipe')!.map((i) => db.services[i].name).sort(), ['log', 'mid', 'p1', 'p2']);
  const sd = (n: string, f: string): string => readFileSync(join(ok.dest, 'servicedirs', n, f), 'utf8');
  assert.equal(sd('log', 'hexad-pipe-in'), 'rc:log\n');
  assert.equal(sd('mid', 'hexad-pipe-in'), 'rc:mid\n');
  assert.equal(sd('mid', 'hexad-pipe-out'), 'rc:log\n');
  assert.equal(sd('p1', 'hexad-pipe-out'), 'rc:mid\n');
  assert.ok(!existsSync(join(ok.dest, 'servicedirs', 'p1', 'hexad-pipe-in')));
  assert.deepEqual(db.services[db.atomic('p1')!].deps.map((i) => db.services[i].name), ['s6rc-fdholder', 'mid']);
});

test('compile: bundles', () => {
  fails({ b1: bundle(['b2']), b2: bundle(['b1']) }, 1, () => 'cyclic bundle definition: resolution of b1 encountered a cycle involving b1');
  fails({ b: bundle(['nosuch']) }, 1, () => 'during resolution of bundle b: undefined service name nosuch');
  fails({ b: { type: 'bundle\n' } }, 111, (s) => `unable to open ${s[0]}/b/contents: No such file or directory`);
  const ok = comp({
    empty: { type: 'bundle\n', contents: '' },
    b: { type: 'bundle\n', contents: '  # comment\n\n\ta\nempty\n', 'flag-essential': '' },
    a: oneshot('true'),
  });
  assert.equal(ok.code, 0);
  const db = loadDb(ok.dest);
  assert.deepEqual(db.resolve('empty'), []);
  assert.deepEqual(db.resolve('b'), [db.atomic('a')]);
  assert.equal(db.services[db.atomic('a')!].flags, 1, 'flag-essential propagates from the bundle');
});

test('compile: list files and warnings', () => {
  const r = comp({ a: oneshot('true', { dependencies: 'b\n  b\n# x\nc' }), b: oneshot('true'), c: oneshot('true') }, 2);
  assert.equal(r.code, 0);
  assert.ok(r.warnings.includes(`in ${r.srcs[0]}/a/dependencies: name listed more than once: b`));
  assert.deepEqual(r.infos.slice(0, 3), ['parsing ' + r.srcs[0] + '/a', 'parsing ' + r.srcs[0] + '/b', 'parsing ' + r.srcs[0] + '/c']);
  // dependencies.d wins over dependencies
  const d = comp({ a: oneshot('true', { dependencies: 'nosuch\n', 'dependencies.d/b': '' }), b: oneshot('true') });
  assert.equal(d.code, 0);
  const empty = comp([{ a: oneshot('true') }, {}]);
  assert.deepEqual([empty.code, empty.warnings], [0, [`source ${empty.srcs[1]} is empty`]]);
});

test('compile: every longrun file lands in the compiled service directory', () => {
  const base = join(root, 'files');
  const src = writeSource(join(base, 'src'), {
    svc: readyLongrun({
      finish: '#!/bin/sh\nexit 0\n', 'lock-fd': '4', 'timeout-kill': '300\n', 'timeout-finish': '7000\nignored\n', 'max-death-tally': '5',
      'down-signal': 'SIGHUP\n', 'data/conf': 'x=1\n', 'env/FOO': 'bar\n', 'template/run': '#!/bin/sh\n', down: '', 'log/run': '#!/bin/sh\n',
      'timeout-up': '5000', 'flag-essential': '',
    }),
  });
  const sdir = join(src, 'svc');
  symlinkSync('conf', join(sdir, 'data', 'link'));
  mkfifo(join(sdir, 'env', 'fifo'), 0o640);
  writeFileSync(join(base, 'real-run'), '#!/bin/sh\nexec sleep 1000\n');
  const runTarget = join(base, 'real-run');
  // run as a symlink: dereferenced in the copy
  writeSource(src, { other: { type: 'longrun\n' } });
  symlinkSync(runTarget, join(src, 'other', 'run'));
  const dest = join(base, 'compiled');
  const r = hexad(['rc-compile', dest, src]);
  assert.equal(r.code, 0, r.stderr);
  const out = join(dest, 'servicedirs', 'svc');
  const f = (n: string): string => readFileSync(join(out, n), 'utf8');
  assert.deepEqual(readdirSync(out).sort(), ['data', 'env', 'finish', 'instance', 'instances', 'lock-fd', 'max-death-tally', 'notification-fd',
    'run', 'template', 'timeout-finish', 'timeout-kill', 'down-signal'].sort());
  assert.equal(f('notification-fd'), '3\n');
  assert.equal(f('lock-fd'), '4\n');
  assert.equal(f('timeout-finish'), '7000\n');
  assert.equal(f('down-signal'), 'SIGHUP\n');
  assert.equal(statSync(join(out, 'run')).mode & 0o777, 0o755);
  assert.equal(statSync(join(out, 'notification-fd')).mode & 0o777, 0o644);
  assert.equal(readlinkSync(join(out, 'data', 'link')), 'conf');
  assert.ok(lstatSync(join(out, 'env', 'fifo')).isFIFO());
  assert.equal(lstatSync(join(out, 'env', 'fifo')).mode & 0o777, 0o640);
  const other = join(dest, 'servicedirs', 'other', 'run');
  assert.ok(lstatSync(other).isFile());
  assert.equal(readFileSync(other, 'utf8'), '#!/bin/sh\nexec sleep 1000\n');
  const db = loadDb(dest);
  assert.deepEqual(db.services[db.atomic('svc')!].timeout, [0, 5000]);
  assert.equal(db.services[db.atomic('svc')!].flags, 1);
  // data that is not a directory
  const bad = writeSource(join(base, 'src2'), { a: longrun(undefined, { data: 'x' }) });
  const r2 = hexad(['rc-compile', join(base, 'c2'), bad]);
  assert.deepEqual([r2.code, r2.stderr], [1, `hexad rc-compile: fatal: ${bad}/a/data is not a directory\n`]);
  assert.ok(!existsSync(join(base, 'c2')));
});

test('compile: the command line: usage, existing output, unreadable sources', () => {
  const base = join(root, 'cli');
  const src = writeSource(join(base, 'src'), { a: oneshot('true') });
  const u = hexad(['rc-compile', '-u', '0', join(base, 'x'), src]);
  assert.deepEqual([u.code, u.stderr], [100, 'hexad rc-compile: usage: hexad rc-compile [ -v verbosity ] [ -h fdholder_user ] [ -b ] destdir sources...\n']);
  mkdirSync(join(base, 'exists'));
  const e = hexad(['rc-compile', join(base, 'exists'), src]);
  assert.deepEqual([e.code, e.stderr], [111, `hexad rc-compile: fatal: unable to mkdir ${join(base, 'exists')}: File exists\n`]);
  const m = hexad(['rc-compile', join(base, 'y'), join(base, 'nosuch')]);
  assert.deepEqual([m.code, m.stderr], [111, `hexad rc-compile: fatal: unable to opendir ${join(base, 'nosuch')}: No such file or directory\n`]);
  assert.ok(!existsSync(join(base, 'y')));
  // an unreadable service directory (as an unprivileged user when we are root)
  const locked = writeSource(join(base, 'locked'), { a: oneshot('true') });
  chmodSync(join(locked, 'a'), 0o000);
  for (const d of [root, base, locked]) chmodSync(d, 0o755);
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const outDir = join(base, 'out');
  mkdirSync(outDir, { mode: 0o777 });
  chmodSync(outDir, 0o777);
  const r = hexadAs(['rc-compile', join(outDir, 'z'), locked], asUser);
  assert.deepEqual([r.code, r.stderr], [111, `hexad rc-compile: fatal: unable to open ${locked}/a: Permission denied\n`]);
  assert.deepEqual(readdirSync(outDir), []);
});

import { spawnSync } from 'node:child_process';
function hexadAs(args: string[], ids: { uid?: number; gid?: number }): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [HEXAD, ...args], { encoding: 'utf8', timeout: 30_000, ...ids });
  return { code: r.status, stderr: r.stderr };
}
