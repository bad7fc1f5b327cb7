// hexad svscan: the behaviour of s6-svscan 2.11 (reference §10) with real processes.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { isLocked } from '../../src/s6/lockfile.js';
import { readStatus } from '../../src/s6/status.js';
import { HEXAD, hexad, hexadDaemon, processAlive, requireS6, rmrf, run, script, serviceDir, sleep, tmp, until } from '../helpers.js';
import { countProcs, killProcs, scanning, serviceUp, svscan } from './scan-helpers.js';

const root = tmp('hexad-svscan-');
after(() => rmrf(root));
let seq = 0;
let uniq = 200_000 + (process.pid % 1000) * 100;

function scandir(): string {
  const d = join(root, `scan${seq++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

/** A service whose process is `sleep N` with N unique to it, so it can be counted. */
function sleeper(dir: string, extra: Record<string, string> = {}): string {
  const n = String(uniq++);
  serviceDir(dir, { run: `exec sleep ${n}\n`, ...extra });
  return n;
}

const ctl = (dir: string, ...opts: string[]) => hexad(['svscanctl', ...opts, dir]);
const lockHeld = (dir: string) => isLocked(join(dir, 'supervise', 'lock'));

describe('svscan', { timeout: 120_000 }, () => {
  test('supervises non-dot directories and symlinks to them, once per directory', async (t) => {
    const sc = scandir();
    const a = sleeper(join(sc, 'a'));
    const elsewhere = join(root, `elsewhere${seq}`);
    const b = sleeper(elsewhere);
    symlinkSync(elsewhere, join(sc, 'b'));
    symlinkSync(elsewhere, join(sc, 'b2')); // same directory under a second name
    sleeper(join(sc, '.hidden'));
    writeFileSync(join(sc, 'file'), 'not a service');
    await svscan(t, sc);
    await until('both running', () => countProcs('sleep', a).length && countProcs('sleep', b).length);
    await sleep(300);
    assert.equal(countProcs('sleep', a).length, 1);
    assert.equal(countProcs('sleep', b).length, 1, 'one supervisor for two names of one directory');
    assert.ok(!existsSync(join(sc, '.hidden', 'supervise')));
    const mode = statSync(join(sc, '.s6-svscan')).mode & 0o777;
    assert.equal(mode, 0o700);
    assert.equal(statSync(join(sc, '.s6-svscan/control')).mode & 0o777, 0o600);
    assert.equal(statSync(join(sc, '.s6-svscan/lock')).mode & 0o777, 0o600);
  });

  test('services that exit at once, from the very first start, are reaped and restarted', async (t) => {
    const sc = scandir();
    for (const x of ['q1', 'q2', 'q3']) serviceDir(join(sc, x), { run: 'exit 3' });
    await svscan(t, sc);
    for (const x of ['q1', 'q2', 'q3']) {
      await until(`${x} died twice`, () => statSync(join(sc, x, 'supervise', 'death_tally')).size >= 28);
    }
  });

  test('a second svscan on the same directory is refused (100)', async (t) => {
    const sc = scandir();
    await svscan(t, sc);
    const r = hexad(['svscan', sc]);
    assert.equal(r.code, 100);
    assert.match(r.stderr, /another instance of s6-svscan is already running on the same directory/);
  });

  test('-d: readiness newline once the control FIFO is ready', async () => {
    const sc = scandir();
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/hexad.js'), 'svscan', '-d3', sc], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve) => child.stdio[3]!.once('data', (d: Buffer) => resolve(d.toString())));
      assert.equal(line, '\n');
      assert.ok(existsSync(join(sc, '.s6-svscan/control')));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    assert.equal(hexad(['svscan', '-d1', sc]).code, 100);
  });

  test('rescans on svscanctl -a, on SIGALRM and every -t ms', async (t) => {
    const sc = scandir();
    const d = await svscan(t, sc, ['-t', '300']);
    const x = sleeper(join(sc, 'x'));
    await serviceUp(join(sc, 'x')); // periodic rescan
    const y = sleeper(join(sc, 'y'));
    await serviceUp(join(sc, 'y'));
    assert.equal(countProcs('sleep', x).length + countProcs('sleep', y).length, 2);
    const sc2 = scandir();
    sleeper(join(sc2, 'first'));
    const d2 = await svscan(t, sc2);
    await serviceUp(join(sc2, 'first')); // the initial scan is over
    sleeper(join(sc2, 'p'));
    await sleep(200);
    assert.ok(!existsSync(join(sc2, 'p', 'supervise')), 'no rescan without -t');
    ctl(sc2, '-a');
    await serviceUp(join(sc2, 'p'));
    sleeper(join(sc2, 'q'));
    d2.kill('SIGALRM');
    await serviceUp(join(sc2, 'q'));
    assert.ok(d.running && d2.running);
  });

  test('a removed entry stays supervised until -n; -h rescans then kills', async (t) => {
    const sc = scandir();
    const target = join(root, `svc${seq}`);
    const n = sleeper(target);
    symlinkSync(target, join(sc, 'gone'));
    const other = sleeper(join(sc, 'kept'));
    await svscan(t, sc);
    await serviceUp(target);
    unlinkSync(join(sc, 'gone'));
    ctl(sc, '-a');
    await sleep(300);
    assert.equal(countProcs('sleep', n).length, 1, 'inactive, not killed');
    ctl(sc, '-n');
    await until('stopped', () => countProcs('sleep', n).length === 0 && !lockHeld(target));
    assert.equal(readStatus(target).pid, 0, 'the stale status stays on disk');
    await until('the other service runs on', () => countProcs('sleep', other).length === 1);
    // -h: rescan, then kill what is gone
    const t2 = join(root, `svc${seq}b`);
    const m = sleeper(t2);
    symlinkSync(t2, join(sc, 'gone2'));
    ctl(sc, '-a');
    await serviceUp(t2);
    unlinkSync(join(sc, 'gone2'));
    ctl(sc, '-h');
    await until('stopped by -h', () => countProcs('sleep', m).length === 0);
  });

  test('a supervisor that exits is started again 1 s later; -x on a down service', async (t) => {
    const sc = scandir();
    const n = sleeper(join(sc, 's'));
    await svscan(t, sc);
    const pid = await serviceUp(join(sc, 's'));
    hexad(['svc', '-xd', join(sc, 's')]);
    await until('supervisor gone', () => !lockHeld(join(sc, 's')));
    const gone = Date.now();
    await until('supervisor back', () => lockHeld(join(sc, 's')));
    assert.ok(Date.now() - gone >= 700);
    const pid2 = await serviceUp(join(sc, 's'));
    assert.notEqual(pid, pid2);
    await until('one copy running', () => countProcs('sleep', n).length === 1);
  });

  test('svscanctl -t: every service down, loggers drained, finish run, exit 0', async () => {
    const sc = scandir();
    const out = join(root, `out${seq}`);
    serviceDir(join(sc, 'p'), {
      run: 'i=0; while [ $i -lt 50 ]; do i=$((i+1)); echo line $i; done; exec sleep 1000\n',
      'log/run': `exec cat >> ${out}\n`,
    });
    const n = sleeper(join(sc, 'q'));
    mkdirSync(join(sc, '.s6-svscan'));
    script(join(sc, '.s6-svscan/finish'), `echo "finish $# $(pwd)" > ${out}.finish\n`);
    const d = hexadDaemon(['svscan', sc]);
    try {
      await scanning(sc);
      await until('50 lines', () => existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 50);
      assert.equal(ctl(sc, '-t').code, 0);
      await d.wait();
      assert.equal(d.exitCode, 0);
      assert.equal(countProcs('sleep', n).length, 0);
      assert.equal(readFileSync(`${out}.finish`, 'utf8'), `finish 0 ${sc}\n`);
      assert.ok(!processAlive(readStatus(join(sc, 'p', 'log')).pid || 1 << 30));
    } finally {
      await d.stop();
    }
  });

  test('svscanctl -b: leaves at once, services abandoned, finish run', async () => {
    const sc = scandir();
    const n = sleeper(join(sc, 'a'));
    mkdirSync(join(sc, '.s6-svscan'));
    script(join(sc, '.s6-svscan/finish'), `echo done > finished\n`);
    const d = hexadDaemon(['svscan', sc]);
    try {
      await scanning(sc);
      await until('running', () => countProcs('sleep', n).length === 1);
      ctl(sc, '-b');
      await d.wait();
      assert.ok(existsSync(join(sc, 'finished')));
      assert.equal(countProcs('sleep', n).length, 1);
    } finally {
      killProcs('sleep', n);
      await d.stop();
    }
  });

  test('svscanctl -i is -t; -q terminates loggers too; -N kills inactive loggers with SIGTERM', async (t) => {
    for (const [opt, loggerSurvivesHup] of [['-i', true], ['-q', false]] as const) {
      const sc = scandir();
      const n = sleeper(join(sc, 'a'));
      serviceDir(join(sc, 'a', 'log'), { run: `exec sleep ${n}1\n` }); // ignores EOF: only a signal stops it
      const d = hexadDaemon(['svscan', sc]);
      t.after(() => d.stop());
      await scanning(sc);
      await until('logger running', () => countProcs('sleep', `${n}1`).length === 1);
      ctl(sc, opt);
      await until('service stopped', () => countProcs('sleep', n).length === 0);
      if (loggerSurvivesHup) {
        // -i/-t send the logger's supervisor SIGHUP: it waits for the logger to end by itself
        await sleep(300);
        assert.equal(countProcs('sleep', `${n}1`).length, 1);
        killProcs('sleep', `${n}1`);
      }
      await d.wait();
      assert.equal(countProcs('sleep', `${n}1`).length, 0);
    }
    const sc = scandir();
    const target = join(root, `svcN${seq}`);
    const n = sleeper(target);
    serviceDir(join(target, 'log'), { run: `exec sleep ${n}1\n` });
    symlinkSync(target, join(sc, 'x'));
    await svscan(t, sc);
    await until('logger running', () => countProcs('sleep', `${n}1`).length === 1);
    unlinkSync(join(sc, 'x'));
    ctl(sc, '-aN');
    await until('service and logger stopped', () => countProcs('sleep', n).length === 0 && countProcs('sleep', `${n}1`).length === 0);
  });

  test('signals: SIGTERM = t; a .s6-svscan/SIG* script replaces the built-in action', async (t) => {
    const sc = scandir();
    mkdirSync(join(sc, '.s6-svscan'));
    script(join(sc, '.s6-svscan/SIGUSR1'), `echo "usr1 $#" >> signals\n`);
    script(join(sc, '.s6-svscan/SIGHUP'), `echo hup >> signals\n`);
    const n = sleeper(join(sc, 'a'));
    const d = await svscan(t, sc);
    await serviceUp(join(sc, 'a'));
    d.kill('SIGUSR1');
    d.kill('SIGHUP');
    await until('scripts ran', () => existsSync(join(sc, 'signals')) && readFileSync(join(sc, 'signals'), 'utf8').split('\n').length >= 3);
    assert.deepEqual(readFileSync(join(sc, 'signals'), 'utf8').trim().split('\n').sort(), ['hup', 'usr1 0']);
    assert.ok(d.running);
    d.kill('SIGTERM');
    await d.wait();
    assert.equal(d.exitCode, 0);
    assert.equal(countProcs('sleep', n).length, 0);
  });

  test('SIGQUIT = q: loggers get SIGTERM too', async () => {
    const sc = scandir();
    const n = sleeper(join(sc, 'a'));
    serviceDir(join(sc, 'a', 'log'), { run: `exec sleep ${n}1\n` });
    const d = hexadDaemon(['svscan', sc]);
    try {
      await scanning(sc);
      await serviceUp(join(sc, 'a', 'log'));
      d.kill('SIGQUIT');
      await d.wait();
      assert.equal(countProcs('sleep', `${n}1`).length, 0, 'the logger was terminated');
    } finally {
      await d.stop();
    }
  });

  test('unknown control bytes: a warning; bad entries: a warning and the rest supervised', async (t) => {
    const sc = scandir();
    symlinkSync(join(root, 'nowhere'), join(sc, 'dangling'));
    sleeper(join(sc, 'fine'));
    const d = await svscan(t, sc);
    await serviceUp(join(sc, 'fine'));
    ctl(sc, '-z');
    const fd = openSync(join(sc, '.s6-svscan/control'), 'w');
    closeSync(fd);
    run('/bin/sh', ['-c', `printf 'Y' > ${join(sc, '.s6-svscan/control')}`]);
    await until('warnings', () => d.stderr.includes('received unknown control command: Y') && d.stderr.includes('unable to stat dangling'));
  });

  test('-c: entries beyond the maximum are refused with a warning', async (t) => {
    const sc = scandir();
    for (const x of ['a', 'b', 'c']) sleeper(join(sc, x));
    const d = await svscan(t, sc, ['-c', '2']);
    await until('warning', () => /unable to start supervisor for [abc]: too many services/.test(d.stderr));
    const up = () => ['a', 'b', 'c'].filter((x) => existsSync(join(sc, x, 'supervise', 'status')));
    await until('two supervised', () => up().length === 2);
    await sleep(300);
    assert.equal(up().length, 2);
  });

  test('SIGKILL of svscan, then a new svscan: every service supervised again, none twice, no log line lost', async (t) => {
    const sc = scandir();
    const a = sleeper(join(sc, 'a'));
    const out = join(root, `kill${seq}.logdir`);
    // a logger process (hosting off) that stops cleanly on the restart below: `cat` loses what
    // it read when SIGTERM comes before it wrote it
    serviceDir(join(sc, 'p'), {
      run: 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done\n',
      'log/run': `exec ${process.execPath} ${HEXAD} log ${out}\n`,
    });
    const noHosting = { env: { ...process.env, HEXAD_HOSTED_LOGGERS: '0' } };
    const d1 = hexadDaemon(['svscan', sc], noHosting);
    t.after(() => d1.stop());
    await scanning(sc);
    const pidA = await serviceUp(join(sc, 'a'));
    const pidP = await serviceUp(join(sc, 'p'));
    const pidL = await serviceUp(join(sc, 'p', 'log'));
    await sleep(300);
    d1.kill('SIGKILL');
    await d1.wait();
    await sleep(200);
    const d2 = hexadDaemon(['svscan', sc], noHosting);
    t.after(() => d2.stop());
    await scanning(sc);
    await until('adopted', () => /adopting service pid/.test(d2.stderr));
    await sleep(500);
    assert.deepEqual(countProcs('sleep', a), [pidA], 'the running copy is kept, no second one');
    assert.equal(readStatus(join(sc, 'a')).pid, pidA);
    assert.equal(readStatus(join(sc, 'p')).pid, pidP);
    assert.equal(readStatus(join(sc, 'p', 'log')).pid, pidL);
    // the adopted service is still under control: a restart goes through the new scanner
    hexad(['svc', '-T', '20000', '-wr', '-r', join(sc, 'a')]);
    const pidA2 = await serviceUp(join(sc, 'a'));
    assert.notEqual(pidA2, pidA);
    assert.deepEqual(countProcs('sleep', a), [pidA2]);
    // the logger restarted: it reads the same pipe the producer still writes to
    hexad(['svc', '-T', '20000', '-wr', '-r', join(sc, 'p', 'log')]);
    await sleep(500);
    hexad(['svc', '-T', '20000', '-wd', '-d', join(sc, 'p')]);
    await sleep(300);
    const nums = readFileSync(join(out, 'current'), 'utf8').trim().split('\n').map(Number);
    nums.forEach((x, i) => assert.equal(x, i + 1, `line ${i + 1} lost or repeated`));
    assert.ok(nums.length > 50);
  });
});

describe('Debian tools on a hexad scan directory', { timeout: 60_000 }, () => {
  test('s6-svstat, s6-svc, s6-svok, s6-svscanctl', async (t) => {
    requireS6();
    const sc = scandir();
    const target = join(root, `linked${seq}`);
    const n = sleeper(target);
    serviceDir(join(target, 'log'), { run: 'exec cat > /dev/null\n' });
    symlinkSync(target, join(sc, 'a'));
    const d = await svscan(t, sc);
    await serviceUp(join(sc, 'a'));
    await serviceUp(join(sc, 'a', 'log'));
    assert.match(run('s6-svstat', [join(sc, 'a')]).stdout, /^up \(pid \d+\) \d+ seconds\n$/);
    assert.match(run('s6-svstat', [join(sc, 'a', 'log')]).stdout, /^up \(pid \d+\) \d+ seconds\n$/);
    assert.equal(run('s6-svok', [join(sc, 'a')]).code, 0);
    assert.equal(run('s6-svc', ['-wD', '-T', '20000', '-d', join(sc, 'a')]).code, 0);
    assert.match(run('s6-svstat', [join(sc, 'a')]).stdout, /^down \(signal SIGTERM\)/);
    assert.equal(run('s6-svc', ['-wu', '-T', '20000', '-u', join(sc, 'a')]).code, 0);
    unlinkSync(join(sc, 'a'));
    assert.equal(run('s6-svscanctl', ['-an', sc]).code, 0);
    await until('service and logger stopped', () => countProcs('sleep', n).length === 0 && !lockHeld(target) && !lockHeld(join(target, 'log')));
    assert.equal(run('s6-svscanctl', ['-t', sc]).code, 0);
    await d.wait();
    assert.equal(d.exitCode, 0);
    assert.equal(run('s6-svscanctl', ['-t', sc]).code, 100);
  });
});
