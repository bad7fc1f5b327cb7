// rc-update on hexad svscan: added, removed, renamed, changed and restarted services, the dry
// run, the conversion file's errors, and a failed stop pass that switches nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, processAlive, until } from '../helpers.js';
import { bundle, deps, longrun, oneshot, RcEnv, readyLongrun, writeSource, type Def } from './rc-helpers.js';

const pidOf = (dir: string): number => Number(/^up \(pid (\d+)\)/.exec(hexad(['svstat', dir]).stdout)?.[1] ?? 0);

function sets(log: string): { v1: Record<string, Def>; v2: Record<string, Def> } {
  const logged = (name: string, extra: Def = {}): Def => oneshot(`/bin/sh -c "echo ${name} up >> ${log}"\n`,
    { down: `/bin/sh -c "echo ${name} down >> ${log}"\n`, ...extra });
  const v1: Record<string, Def> = {
    db: readyLongrun(),
    web: longrun(undefined, deps(['db'])),
    'after-web': logged('after-web', deps(['web'])),
    setup: logged('setup'),
    'old-svc': longrun(),
    ren: longrun(),
    keep: longrun(),
    all: bundle(['db', 'web', 'after-web', 'setup', 'old-svc', 'ren', 'keep']),
  };
  const v2: Record<string, Def> = {
    db: readyLongrun({ run: '#!/bin/sh\n# version 2\necho >&3\nexec sleep 1000 3>&-\n' }),
    cache: longrun(),
    web: longrun(undefined, deps(['db', 'cache'])),
    'after-web': v1['after-web'],
    setup: v1.setup,
    ren2: longrun(),
    keep: longrun(),
    all: bundle(['db', 'cache', 'web', 'after-web', 'setup', 'ren2', 'keep']),
  };
  return { v1, v2 };
}

test('rc-update: added, removed, renamed, changed and restarted services', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  const log = join(env.root, 'log');
  const { v1, v2 } = sets(log);
  env.setup(v1);
  assert.equal(env.rc(['change', 'all']).code, 0);
  const sv = (n: string): string => join(env.scandir, n);
  const before = { db: pidOf(sv('db')), web: pidOf(sv('web')), ren: pidOf(sv('ren')), keep: pidOf(sv('keep')), old: pidOf(sv('old-svc')) };
  assert.ok(Object.values(before).every((p) => p > 0));
  const oldStore = readlinkSync(join(env.live, 'servicedirs', 'old-svc'));
  writeSource(join(env.root, 'src2'), v2);
  const { dir: c2, r } = env.compile([join(env.root, 'src2')]);
  assert.equal(r.code, 0, r.stderr);
  const conv = join(env.root, 'conv');
  writeFileSync(conv, '# renames and restarts\nren -> ren2\nsetup restart\n');

  const dry = hexad(['rc-update', '-n', '-l', env.live, '-f', conv, c2]);
  assert.deepEqual([dry.code, dry.stdout], [0,
    `s6-rc-dryrun: hexad rc -v 1 -t 0 -l ${env.live} -d -- change setup after-web web old-svc\n` +
    `s6-rc-dryrun: hexad rc -v 1 -t 0 -l ${env.live} -u -- change setup after-web web\n`]);
  assert.match(readlinkSync(join(env.live, 'compiled')), /compiled1$/, 'a dry run switches nothing');

  writeFileSync(log, '');
  const u = hexad(['rc-update', '-v2', '-l', env.live, '-f', conv, c2]);
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stderr, /info: successfully switched to new database/);
  assert.equal(readlinkSync(join(env.live, 'compiled')), c2);
  assert.match(readlinkSync(env.live), /^live:s6-rc-update:/);
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 'cache', 'db', 'keep', 'ren2', 'web', 'after-web', 'setup']);
  const logged = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  assert.deepEqual([logged.slice(0, 2).sort(), logged.slice(2).sort()], [['after-web down', 'setup down'], ['after-web up', 'setup up']]);
  // kept running: db (its new run is in place for its next start), keep, and ren as ren2
  assert.equal(pidOf(sv('db')), before.db);
  assert.match(readFileSync(join(env.live, 'servicedirs', 'db', 'run'), 'utf8'), /version 2/);
  assert.equal(pidOf(sv('keep')), before.keep);
  assert.equal(pidOf(sv('ren2')), before.ren);
  assert.ok(!existsSync(sv('ren')));
  // restarted: web (it needs the new cache); gone: old-svc, its process and its directory
  assert.notEqual(pidOf(sv('web')), before.web);
  assert.ok(pidOf(sv('cache')) > 0);
  assert.ok(!existsSync(sv('old-svc')));
  await until('old-svc to be stopped', () => !processAlive(before.old));
  assert.ok(!existsSync(oldStore));
  assert.deepEqual(readdirSync(env.root).filter((f) => f.startsWith('live:s6-rc-')).length, 1, 'the old live directory is gone');
  // the kept services are still driven by their supervisors
  assert.equal(env.rc(['-d', 'change', 'ren2']).code, 0);
  await until('ren2 down', () => /^down/.test(hexad(['svstat', sv('ren2')]).stdout));
  assert.equal(env.rc(['-v2', 'change', 'db']).code, 0);
  hexad(['svc', '-r', sv('db')]);
  await until('db restarted with its new run', () => pidOf(sv('db')) !== before.db && pidOf(sv('db')) > 0);
  // a type change (longrun -> oneshot) restarts
  const v3 = { ...v2, keep: oneshot(`/bin/sh -c "echo keep up >> ${log}"\n`) };
  writeSource(join(env.root, 'src3'), v3);
  const { dir: c3 } = env.compile([join(env.root, 'src3')]);
  const u3 = hexad(['rc-update', '-l', env.live, c3]);
  assert.equal(u3.code, 0, u3.stderr);
  assert.ok(readFileSync(log, 'utf8').endsWith('keep up\n'));
  await until('the old keep to be gone', () => !processAlive(before.keep));
  assert.equal(env.rc(['-da', 'change']).code, 0);
});

test('rc-update: conversion file errors and a failed stop pass', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  const log = join(env.root, 'log');
  const { v1, v2 } = sets(log);
  const stubborn = longrun("trap '' TERM\nexec sleep 1000\n", { 'timeout-kill': '60000\n' });
  env.setup({ ...v1, stubborn, baddown: oneshot('true\n', { down: '/bin/sh -c "exit 7"\n' }) });
  writeSource(join(env.root, 'src2'), { ...v2, stubborn, baddown: oneshot('true\n', { down: '/bin/sh -c "exit 7"\n' }) });
  const { dir: c2 } = env.compile([join(env.root, 'src2')]);
  const conv = join(env.root, 'conv');
  const update = (text: string, args: string[] = []): { code: number | null; stderr: string } => {
    writeFileSync(conv, text);
    const r = hexad(['rc-update', '-l', env.live, '-f', conv, ...args, c2]);
    return { code: r.code, stderr: r.stderr };
  };
  const F = 'hexad rc-update: fatal: ';
  assert.deepEqual(update('nosuch\n'), { code: 3, stderr: `${F}unknown identifier in ${env.live}/compiled: nosuch\n` });
  assert.deepEqual(update('all\n'), { code: 5, stderr: `${F}identifier all does not represent an atomic service in ${env.live}/compiled\n` });
  assert.deepEqual(update('db\ndb restart\n'), { code: 6, stderr: `${F}service db appears more than once in conversion file\n` });
  assert.deepEqual(update('db frobnicate\n'), { code: 100, stderr: `${F}unknown keyword in conversion file: frobnicate\n` });
  assert.deepEqual(update('ren -> nosuch\n'), { code: 4, stderr: `${F}bad conversion file: new service nosuch is undefined in database ${c2}\n` });
  assert.deepEqual(update('ren -> db\n'), { code: 6,
    stderr: `${F}unable to convert database: new service db is a target for more than one conversion, including old service db\n` });
  assert.deepEqual(update('"db\n'), { code: 100, stderr: `${F}syntax error in conversion file: "db\n` });
  assert.deepEqual(update('db { x\n'), { code: 100, stderr: `${F}mismatched braces in conversion file: db { x\n` });
  assert.equal(hexad(['rc-update', '-l', env.live, 'relative']).code, 100);
  assert.equal(hexad(['rc-update', '-l', env.live]).code, 100);
  // a stop pass that fails: exit 9, nothing switched
  assert.equal(env.rc(['change', 'baddown', 'db']).code, 0);
  const before = readlinkSync(env.live);
  const r = update('baddown restart\n');
  assert.equal(r.code, 9);
  assert.match(r.stderr, /unable to stop service baddown: command exited 7/);
  assert.match(r.stderr, /fatal: unable to stop services in the old database: the live state was not switched\n$/);
  assert.equal(readlinkSync(env.live), before);
  assert.match(readlinkSync(join(env.live, 'compiled')), /compiled1$/);
  // a stop pass that times out: exit 10, nothing switched
  assert.equal(env.rc(['change', 'stubborn']).code, 0);
  const slow = update('stubborn restart\n', ['-t', '300']);
  assert.deepEqual(slow, { code: 10, stderr: `${F}timed out while stopping services in the old database\n` });
  assert.equal(readlinkSync(env.live), before);
  hexad(['svc', '-k', join(env.scandir, 'stubborn')]);
  assert.equal(env.rc(['-D', 'change', 'db']).code, 0);
});

test('rc-update: a renamed pipeline keeps running and keeps its pipe (with a prefix)', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  const out = join(env.root, 'out');
  const prod = (consumer: string): Def => longrun('i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.02; done\n', { 'producer-for': `${consumer}\n` });
  const log = (producer: string): Def => longrun(`exec cat >> ${out}\n`, { 'consumer-for': `${producer}\n`, 'pipeline-name': 'pipe\n' });
  writeSource(env.src, { prod: prod('log'), log: log('prod') });
  const { dir: c1 } = env.compile();
  assert.equal(env.init(c1, ['-p', 'p-']).code, 0);
  assert.equal(readFileSync(join(env.live, 'servicedirs', 'log', 'hexad-pipe-in'), 'utf8'), 'rc:p-log\n');
  assert.equal(env.rc(['change', 'pipe']).code, 0);
  const ticks = (): number[] => (existsSync(out) ? readFileSync(out, 'utf8') : '').split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1]));
  await until('ticks', () => ticks().length >= 3);
  const pids = { prod: pidOf(join(env.scandir, 'p-prod')), log: pidOf(join(env.scandir, 'p-log')) };
  writeSource(join(env.root, 'src2'), { prod: prod('log2'), log2: log('prod') });
  const { dir: c2 } = env.compile([join(env.root, 'src2')]);
  writeFileSync(join(env.root, 'conv'), 'log -> log2\n');
  const u = hexad(['rc-update', '-l', env.live, '-f', join(env.root, 'conv'), c2]);
  assert.equal(u.code, 0, u.stderr);
  assert.deepEqual([pidOf(join(env.scandir, 'p-prod')), pidOf(join(env.scandir, 'p-log2'))], [pids.prod, pids.log]);
  assert.equal(readFileSync(join(env.live, 'servicedirs', 'log2', 'hexad-pipe-in'), 'utf8'), 'rc:p-log\n', 'the pipe keeps its name');
  assert.equal(readFileSync(join(env.live, 'servicedirs', 'prod', 'hexad-pipe-out'), 'utf8'), 'rc:p-log\n');
  // the producer restarts: it gets the same pipe, read by the same logger
  hexad(['svc', '-r', join(env.scandir, 'p-prod')]);
  await until('ticks from the restarted producer', () => {
    const all = ticks();
    return all.filter((n) => n === 1).length === 2 && all[all.length - 1] >= 3;
  });
  assert.equal(env.rc(['-da', 'change']).code, 0);
});
