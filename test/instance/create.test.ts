// hexad instance-create, line by line of its manual page: the instance and its supervisor,
// -d / -D / -P / -f / -t, the exit codes 0, 1, 99, 100, 111 (nothing left behind on failure),
// logged templates, a template gone after instance-maker, and 100 creations and deletions.
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, renameSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLocked } from '../../src/s6/lockfile.js';
import { readStatus } from '../../src/s6/status.js';
import { createInstance, deleteInstance } from '../../src/instance/online.js';
import { hexad, rmrf, tmp, until } from '../helpers.js';
import { fifosUnder, instanceUp, processesUnder, Tree } from './util.js';

const root = tmp('hexad-icreate-');
const tree = new Tree(root);
const ARGS_RUN = 'printf "%s\\n" "$@" > run-args\nexec sleep 1000\n';
let plain = '', logged = '', evented = '', broken = '', stalled = '', loop = '', gone = '', moved = '';

before(async () => {
  plain = tree.make('plain', { run: ARGS_RUN, finish: 'printf "%s\\n" "$@" > finish-args\n' });
  logged = tree.make('logged', { run: 'echo "hello from $1"\nexec sleep 1000\n', 'log/run': 'printf "%s\\n" "$@" > run-args\nexec cat > out\n' });
  evented = tree.make('evented', { run: 'exec sleep 1000\n' });
  mkdirSync(join(evented, 'template', 'event'), 0o700);
  broken = tree.make('broken', { run: 'exec sleep 1000\n', event: 'not a directory\n' });
  stalled = tree.make('stalled', { run: 'exec sleep 1000\n' });
  loop = tree.make('loop', { run: 'exec sleep 1000\n' });
  // the template given to instance-maker is deleted at once: the service keeps its own copy
  gone = tree.make('gone', { run: ARGS_RUN });
  rmrf(join(root, 'template-gone'));
  moved = tree.make('moved', { run: ARGS_RUN });
  renameSync(join(root, 'template-moved'), join(root, 'elsewhere'));
  await tree.start();
});
after(async () => {
  const left = await tree.stop();
  rmrf(root);
  assert.deepEqual(left, [], 'processes left behind');
});

const create = (...args: string[]) => hexad(['instance-create', ...args]);
const svstat = (svc: string, name: string) => hexad(['instance-status', svc, name]).stdout.trim();
const read = (p: string) => readFileSync(p, 'utf8');
/** the instance's copy and its link are both gone */
const nothingOf = (svc: string, name: string) => !existsSync(join(svc, 'instances', name)) && !lstatExists(join(svc, 'instance', name));
function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

describe('instance-create', { timeout: 120_000 }, () => {
  test('creates instances/NAME from the template, links instance/NAME -> ../instances/NAME, starts it', async () => {
    const r = create(plain, 'alice');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '');
    assert.equal(readlinkSync(join(plain, 'instance', 'alice')), '../instances/alice');
    assert.ok(statSync(join(plain, 'instances', 'alice', 'run')).mode & 0o100);
    // it waited for the supervisor: supervised as soon as the command returns
    assert.ok(isLocked(join(plain, 'instances', 'alice', 'supervise', 'lock')));
    const pid = await instanceUp(plain, 'alice');
    assert.ok(pid > 0);
    // run gets the instance name as its first argument
    await until('run-args', () => existsSync(join(plain, 'instances', 'alice', 'run-args')) && read(join(plain, 'instances', 'alice', 'run-args')));
    assert.equal(read(join(plain, 'instances', 'alice', 'run-args')), 'alice\n');
    // finish gets it as its third
    assert.equal(hexad(['instance-control', '-T', '20000', '-wD', '-d', plain, 'alice']).code, 0);
    await until('finish-args', () => existsSync(join(plain, 'instances', 'alice', 'finish-args')));
    assert.deepEqual(read(join(plain, 'instances', 'alice', 'finish-args')).split('\n'), ['256', '15', 'alice', '']);
    assert.match(svstat(plain, 'alice'), /^down \(signal SIGTERM\) \d+ seconds, normally up, ready \d+ seconds$/);
  });

  test('-d: the supervisor starts with the instance down, and no down file stays', async () => {
    assert.equal(create('-d', plain, 'bob').code, 0);
    const s = readStatus(join(plain, 'instance', 'bob'));
    assert.equal(s.pid, 0);
    assert.equal(s.wantUp, false);
    assert.ok(!existsSync(join(plain, 'instances', 'bob', 'down')));
    assert.match(svstat(plain, 'bob'), /^down \(exitcode 0\) \d+ seconds, normally up, ready \d+ seconds$/);
    // -D then -d: the last one wins, as in s6
    assert.equal(create('-D', '-d', plain, 'bob2').code, 0);
    assert.ok(!existsSync(join(plain, 'instances', 'bob2', 'down')));
  });

  test('-D: down, and a down file that stays', async () => {
    assert.equal(create('-D', plain, 'carol').code, 0);
    assert.equal(readStatus(join(plain, 'instance', 'carol')).pid, 0);
    assert.ok(existsSync(join(plain, 'instances', 'carol', 'down')));
    assert.match(svstat(plain, 'carol'), /^down \(exitcode 0\) \d+ seconds, ready \d+ seconds$/);
    assert.equal(create('-d', '-D', plain, 'carol2').code, 0);
    assert.ok(existsSync(join(plain, 'instances', 'carol2', 'down')));
    // and it starts on demand
    assert.equal(hexad(['instance-control', '-T', '20000', '-wu', '-u', plain, 'carol']).code, 0);
    assert.match(svstat(plain, 'carol'), /^up \(pid \d+\) \d+ seconds, normally down$/);
  });

  test('-P: a public event directory; by default it belongs to the group of the creator', () => {
    assert.equal(create(plain, 'dave').code, 0);
    const st = statSync(join(plain, 'instances', 'dave', 'event'));
    assert.equal(st.mode & 0o7777, 0o3730);
    assert.equal(st.gid, process.getegid!());
    assert.equal(create('-P', plain, 'erin').code, 0);
    assert.equal(statSync(join(plain, 'instances', 'erin', 'event')).mode & 0o7777, 0o1733);
  });

  test('-f: an event directory the template brings is re-moded only with -f', () => {
    assert.equal(create(evented, 'plain').code, 0);
    assert.equal(statSync(join(evented, 'instances', 'plain', 'event')).mode & 0o7777, 0o700);
    assert.equal(create('-f', evented, 'forced').code, 0);
    assert.equal(statSync(join(evented, 'instances', 'forced', 'event')).mode & 0o7777, 0o3730);
  });

  test('a logged template: each instance gets its logger, called with NAME/log, and create waits for both', async () => {
    for (const name of ['one', 'two']) {
      const r = create(logged, name);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(isLocked(join(logged, 'instance', name, 'supervise', 'lock')));
      assert.ok(isLocked(join(logged, 'instance', name, 'log', 'supervise', 'lock')));
    }
    for (const name of ['one', 'two']) {
      const log = join(logged, 'instances', name, 'log');
      await until(`${name}'s logger got its line`, () => existsSync(join(log, 'out')) && read(join(log, 'out')) === `hello from ${name}\n`);
      assert.equal(read(join(log, 'run-args')), `${name}/log\n`);
    }
  });

  test('exit 99 when the supervisor cannot start in time; the copy and the link are removed', async () => {
    const scanner = tree.scannerPid(stalled);
    process.kill(scanner, 'SIGSTOP');
    let r;
    try {
      r = create('-t', '300', stalled, 'late');
    } finally {
      process.kill(scanner, 'SIGCONT');
    }
    assert.equal(r.code, 99, r.stderr);
    assert.equal(r.stderr, 'hexad instance-create: fatal: unable to create instance of ' + stalled + ' named late: Connection timed out\n');
    assert.ok(nothingOf(stalled, 'late'));
    // the scanner, woken up, finds nothing to start; the service is usable again
    const ok = create('-t', '20000', stalled, 'late');
    assert.equal(ok.code, 0, ok.stderr);
    await instanceUp(stalled, 'late');
  });

  test('exit 100: invalid names, an existing instance, a file in the way', () => {
    const before = readdirSync(join(plain, 'instances')).sort();
    for (const name of ['', '.hidden', 'a b', 'a\tb', 'a\nb', 'a\rb', 'a\fb', 'a/b', '../x']) {
      const r = create(plain, name);
      assert.equal(r.code, 100, JSON.stringify(name));
      assert.equal(r.stderr, 'hexad instance-create: fatal: invalid instance name\n');
    }
    assert.deepEqual(readdirSync(join(plain, 'instances')).sort(), before, 'an invalid name left something');
    assert.equal(create(plain, 'frank').code, 0);
    const again = create(plain, 'frank');
    assert.equal(again.code, 100);
    assert.equal(again.stderr, `hexad instance-create: fatal: instance appears to already exist at ${plain}/instances/frank\n`);
    writeFileSync(join(plain, 'instances', 'blocker'), '');
    const blocked = create(plain, 'blocker');
    assert.equal(blocked.code, 100);
    assert.match(blocked.stderr, /unexpected file preventing instance creation at .*\/instances\/blocker\n$/);
    assert.equal(read(join(plain, 'instances', 'blocker')), '');
    assert.ok(!lstatExists(join(plain, 'instance', 'blocker')));
    for (const args of [[], [plain], ['-t', 'x', plain, 'n'], ['-Z', plain, 'n']]) {
      const u = create(...args);
      assert.equal(u.code, 100);
      assert.match(u.stderr, /^hexad instance-create: usage: hexad instance-create \[ -d \| -D \]/);
    }
  });

  test('exit 111 on a failed system call, the half-made copy removed', () => {
    // no such service
    const r1 = create(join(root, 'nowhere'), 'x');
    assert.equal(r1.code, 111);
    assert.match(r1.stderr, /^hexad instance-create: fatal: unable to mkdir .*nowhere\/instances: No such file or directory\n$/);
    assert.ok(!existsSync(join(root, 'nowhere')));
    // the copy succeeds but the event directory cannot be made: the copy goes away
    const r2 = create(broken, 'x');
    assert.equal(r2.code, 111, r2.stderr);
    assert.match(r2.stderr, /unable to create instance of .*broken named x: Not a directory\n$/);
    assert.ok(nothingOf(broken, 'x'));
    // the instanced service's own template copy was removed by hand: nothing to copy
    rmrf(join(broken, 'template'));
    const r3 = create(broken, 'y');
    assert.equal(r3.code, 111);
    assert.match(r3.stderr, /unable to copy .*broken\/template to .*broken\/instances\/y: No such file or directory\n$/);
    assert.ok(nothingOf(broken, 'y'));
    assert.deepEqual(readdirSync(join(broken, 'instances')), []);
  });

  test('exit 1 when no scanner runs on the instanced service', () => {
    const offline = join(root, 'offline');
    assert.equal(hexad(['instance-maker', join(root, 'template-plain'), offline]).code, 0);
    closeSync(openSync(join(offline, 'instance', 'unrelated'), 'w'));
    mkdirSync(join(offline, 'instance', '.s6-svscan'));
    closeSync(openSync(join(offline, 'instance', '.s6-svscan', 'lock'), 'w'));
    const r = create(offline, 'x');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `hexad instance-create: fatal: instanced service not running on ${offline}\n`);
    assert.ok(!existsSync(join(offline, 'instances', 'x')));
    // no instance/ at all: created, then the lock cannot be opened
    const bare = join(root, 'bare');
    mkdirSync(bare);
    const r2 = create(bare, 'x');
    assert.equal(r2.code, 111);
    assert.match(r2.stderr, /unable to open .*bare\/instance\/.s6-svscan\/lock: No such file or directory\n$/);
  });

  test('the template given to instance-maker may be deleted or moved: instances come from the service\'s copy', async () => {
    assert.ok(!existsSync(join(root, 'template-gone')) && !existsSync(join(root, 'template-moved')));
    for (const svc of [gone, moved]) {
      assert.equal(create(svc, 'still').code, 0);
      const args = join(svc, 'instances', 'still', 'run-args');
      await until('run-args', () => existsSync(args) && read(args));
      assert.equal(read(args), 'still\n');
    }
  });

  test('100 instances created and deleted in a loop leave no process, FIFO, directory or descriptor behind', async () => {
    const scanner = tree.scannerPid(loop);
    const fds = () => readdirSync(`/proc/${scanner}/fd`).length;
    const fifosBefore = fifosUnder(loop);
    const fdsBefore = fds();
    for (let i = 0; i < 100; i++) {
      const name = `i${i}`;
      await createInstance(loop, name, { timeout: 20_000 });
      assert.ok(isLocked(join(loop, 'instances', name, 'supervise', 'lock')));
      await deleteInstance(loop, name, { timeout: 20_000 });
      assert.ok(!existsSync(join(loop, 'instances', name)));
    }
    assert.deepEqual(readdirSync(join(loop, 'instances')), []);
    assert.deepEqual(readdirSync(join(loop, 'instance')), ['.s6-svscan']);
    assert.deepEqual(fifosUnder(loop), fifosBefore);
    assert.deepEqual(processesUnder(join(loop, 'instances')), []);
    // every subscription of the nested scanner's supervisors was closed
    await until('the nested scanner back to its descriptors', () => fds() === fdsBefore);
  });
});
