// hexad instance-delete, instance-control, instance-status and instance-list: options,
// outputs and exit codes of s6 2.11's tools.
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLocked } from '../../src/s6/lockfile.js';
import { instancesOf } from '../../src/instance/online.js';
import { hexad, processAlive, rmrf, tmp, until } from '../helpers.js';
import { instanceUp, Tree } from './util.js';

const root = tmp('hexad-itools-');
const tree = new Tree(root);
let svc = '', logged = '';

before(async () => {
  svc = tree.make('svc', { run: 'exec sleep 1000\n' });
  logged = tree.make('logged', { run: 'echo hi\nexec sleep 1000\n', 'log/run': 'exec cat > out\n' });
  await tree.start();
});
after(async () => {
  const left = await tree.stop();
  rmrf(root);
  assert.deepEqual(left, [], 'processes left behind');
});

const h = (tool: string, ...args: string[]) => hexad([`instance-${tool}`, ...args]);
const exists = (p: string) => { try { lstatSync(p); return true; } catch { return false; } };

describe('instance-delete', { timeout: 60_000 }, () => {
  test('stops the instance, waits for its supervisor, removes link and copy', async () => {
    assert.equal(h('create', svc, 'a').code, 0);
    const pid = await instanceUp(svc, 'a');
    const r = h('delete', svc, 'a');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '');
    assert.ok(!exists(join(svc, 'instance', 'a')));
    assert.ok(!existsSync(join(svc, 'instances', 'a')));
    await until('the instance process gone', () => !processAlive(pid));
  });

  test('a logged instance: both supervisors gone when it returns', async () => {
    assert.equal(h('create', logged, 'b').code, 0);
    const lock = join(logged, 'instances', 'b', 'log', 'supervise', 'lock');
    assert.ok(isLocked(lock));
    assert.equal(h('delete', logged, 'b').code, 0);
    assert.ok(!existsSync(join(logged, 'instances', 'b')));
  });

  test('-X does not wait; -t bounds the wait and is not an error; a missing instance is fine', async () => {
    assert.equal(h('create', svc, 'c').code, 0);
    const pid = await instanceUp(svc, 'c');
    assert.equal(h('delete', '-X', svc, 'c').code, 0);
    assert.ok(!exists(join(svc, 'instance', 'c')));
    await until('the instance process gone', () => !processAlive(pid));
    assert.equal(h('create', svc, 'd').code, 0);
    assert.equal(h('delete', '-t', '1', svc, 'd').code, 0);
    const missing = h('delete', svc, 'never-was');
    assert.equal(missing.code, 0, missing.stderr);
  });

  test('usage errors and a service not running', () => {
    for (const name of ['', '.x', 'a b', 'a/b']) {
      const r = h('delete', svc, name);
      assert.equal(r.code, 100);
      assert.equal(r.stderr, 'hexad instance-delete: fatal: invalid instance name\n');
    }
    const u = h('delete', '-t', 'soon', svc, 'x');
    assert.equal(u.code, 100);
    assert.match(u.stderr, /^hexad instance-delete: usage: hexad instance-delete \[ -X \] \[ -t timeout \] service instancename\n$/);
    const off = join(root, 'off');
    mkdirSync(join(off, 'instance', '.s6-svscan'), { recursive: true });
    const r = h('delete', off, 'x');
    assert.equal(r.code, 111);
    assert.match(r.stderr, /unable to open .*off\/instance\/.s6-svscan\/lock: No such file or directory/);
  });
});

describe('instance-control', { timeout: 60_000 }, () => {
  test('passes svc options through to SERVICE/instance/NAME', async () => {
    assert.equal(h('create', svc, 'e').code, 0);
    await instanceUp(svc, 'e');
    assert.equal(h('control', '-T', '20000', '-wD', '-d', svc, 'e').code, 0);
    assert.match(h('status', svc, 'e').stdout, /^down \(signal SIGTERM\)/);
    assert.equal(h('control', '-T20000', '-wu', '-u', svc, 'e').code, 0);
    assert.match(h('status', svc, 'e').stdout, /^up /);
    // clustered, and `--` ends the options
    assert.equal(h('control', '-dwD', '--', svc, 'e').code, 0);
    assert.match(h('status', svc, 'e').stdout, /^down /);
  });

  test('unknown instance: svc\'s error (111); options s6-instance-control refuses: 100', () => {
    const r = h('control', '-u', svc, 'nope');
    assert.equal(r.code, 111);
    assert.equal(r.stderr, `hexad instance-control: fatal: unable to control ${svc}/instance/nope: No such file or directory\n`);
    for (const args of [['-Q'], ['-s', 'HUP'], ['-w', 'x'], ['-T', 'x'], ['-u']]) {
      const u = h('control', ...args, ...(args[0] === '-u' ? [svc] : [svc, 'e']));
      assert.equal(u.code, 100, args.join(' '));
      assert.match(u.stderr, /^hexad instance-control: usage: hexad instance-control \[ -wu \| -wU/);
    }
    const many = h('control', `-${'u'.repeat(63)}`, svc, 'e');
    assert.equal(many.code, 100);
    assert.equal(many.stderr, 'hexad instance-control: fatal: too many commands\n');
    const bad = h('control', '-u', svc, '.e');
    assert.equal(bad.code, 100);
    assert.equal(bad.stderr, 'hexad instance-control: fatal: invalid instance name\n');
    const empty = h('control', '-u', '', 'e');
    assert.equal(empty.stderr, 'hexad instance-control: fatal: invalid service name\n');
  });
});

describe('instance-status', { timeout: 60_000 }, () => {
  test('svstat of the instance, with its options', async () => {
    assert.equal(h('create', '-D', svc, 'f').code, 0);
    assert.match(h('status', svc, 'f').stdout, /^down \(exitcode 0\) \d+ seconds, ready \d+ seconds\n$/);
    assert.equal(h('status', '-o', 'up,wantedup,normallyup,ready', svc, 'f').stdout, 'false false false false\n');
    assert.equal(h('status', '-uN', svc, 'f').stdout, 'false false\n');
    assert.equal(h('status', '-o', 'norm', svc, 'f').stdout, 'false\n');
  });

  test('unknown instance: 1; bad fields and names: 100', () => {
    const r = h('status', svc, 'nope');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `hexad instance-status: fatal: unable to read status for ${svc}/instance/nope: s6-supervise not running\n`);
    const cases: Array<[string[], string]> = [
      [['-o', 'up,,ready', svc, 'f'], 'hexad instance-status: fatal: invalid null option field\n'],
      [['-o', 'bogus', svc, 'f'], 'hexad instance-status: fatal: invalid option field: bogus\n'],
      [['-o', Array(17).fill('up').join(','), svc, 'f'], 'hexad instance-status: fatal: too many option fields\n'],
      [[svc, 'a b'], 'hexad instance-status: fatal: invalid instance name\n'],
    ];
    for (const [args, err] of cases) {
      const x = h('status', ...args);
      assert.equal(x.code, 100, args.join(' '));
      assert.equal(x.stderr, err);
    }
    assert.match(h('status', '-Z', svc, 'f').stderr, /^hexad instance-status: usage: /);
  });
});

describe('instance-list', { timeout: 60_000 }, () => {
  test('one name per line, never dot entries', () => {
    const names = h('list', svc).stdout.split('\n').filter(Boolean).sort();
    assert.ok(names.includes('e') && names.includes('f'), names.join(','));
    assert.ok(names.every((n) => n[0] !== '.'));
    // instancesOf, for hexad status: the same names with their directories
    const info = instancesOf(svc)!;
    assert.deepEqual(info.map((i) => i.name), names);
    assert.equal(info[0].dir, join(svc, 'instance', info[0].name));
    assert.equal(info[0].logDir, null);
    assert.equal(instancesOf(join(root, 'scan')), null);
  });

  test('a logged instanced service shows each instance\'s logger to hexad status', () => {
    assert.equal(h('create', logged, 'g').code, 0);
    const info = instancesOf(logged)!;
    assert.deepEqual(info.map((i) => [i.name, i.logDir]), [['g', join(logged, 'instance', 'g', 'log')]]);
  });

  test('not running: 1; not an instanced service: 111; usage: 100', () => {
    const off = join(root, 'off2');
    mkdirSync(join(off, 'instance', '.s6-svscan'), { recursive: true });
    writeFileSync(join(off, 'instance', '.s6-svscan', 'lock'), '');
    const stopped = h('list', off);
    assert.equal(stopped.code, 1);
    assert.equal(stopped.stderr, `hexad instance-list: fatal: instanced service not running on ${off}\n`);
    const r = h('list', join(root, 'scan'));
    assert.equal(r.code, 111);
    assert.equal(r.stderr, `hexad instance-list: fatal: unable to chdir to ${root}/scan/instance: No such file or directory\n`);
    assert.equal(h('list').code, 100);
  });
});
