// hexad supervise: each service-directory file, control byte, event and signal of s6 2.11.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, writeSync, openSync, closeSync, unlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { lockHolder } from '../../src/native/index.js';
import { readDeathTally } from '../../src/s6/dtally.js';
import { wstatExitCode, wstatSignal, wstatSignaled } from '../../src/s6/status.js';
import { writeControl } from '../../src/s6/control.js';
import { hexad, hexadDaemon, processAlive, rmrf, serviceDir, sleep, tmp, until, type Daemon } from '../helpers.js';
import { Events, status, supervised, upPid } from './sv-helpers.js';

const root = tmp();
after(() => rmrf(root));
let n = 0;

/** A service directory and its hexad supervisor; stopped at the end of the test. */
async function supervise(t: { after: (fn: () => unknown) => void }, files: Record<string, string>, opts: { wait?: boolean } = {}): Promise<{ dir: string; d: Daemon; ev: Events }> {
  const dir = serviceDir(join(root, `sv${n++}`), files);
  const d = hexadDaemon(['supervise', dir]);
  t.after(async () => {
    const pid = (() => { try { return status(dir).pid; } catch { return 0; } })();
    await d.stop();
    if (pid) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  });
  await supervised(dir);
  const ev = new Events(dir);
  t.after(() => ev.close());
  if (opts.wait !== false) await upPid(dir);
  return { dir, d, ev };
}

const svc = (dir: string, ...args: string[]) => hexad(['svc', ...args, dir]);
const svstat = (dir: string, ...args: string[]) => hexad(['svstat', ...args, dir]).stdout.trim();
const SLEEP = 'exec sleep 1000\n';

describe('service directory layout', { timeout: 120_000 }, () => {
  test('supervise/ and event/ are created with s6 modes and a 35-byte status', async (t) => {
    const { dir } = await supervise(t, { run: SLEEP });
    const mode = (p: string) => statSync(join(dir, p)).mode & 0o7777;
    assert.equal(mode('event'), 0o3730);
    assert.equal(mode('supervise'), 0o700);
    assert.equal(mode('supervise/control'), 0o600);
    assert.ok(statSync(join(dir, 'supervise/control')).isFIFO());
    assert.equal(statSync(join(dir, 'supervise/status')).size, 35);
    assert.equal(statSync(join(dir, 'supervise/death_tally')).size, 0);
    assert.ok(!existsSync(join(dir, 'supervise/status.new')));
    // supervised means: a POSIX record lock on supervise/lock held by the supervisor process
    const fd = openSync(join(dir, 'supervise/lock'), 'r');
    try {
      assert.ok(lockHolder(fd, 'r') > 0);
    } finally {
      closeSync(fd);
    }
  });

  test('a second supervisor on the same directory is refused with exit 100', async (t) => {
    const { dir } = await supervise(t, { run: SLEEP });
    const r = hexad(['supervise', dir]);
    assert.equal(r.code, 100);
    assert.match(r.stderr, /fatal: another instance of s6-supervise is already running\n$/);
  });

  test('usage and chdir errors', () => {
    assert.equal(hexad(['supervise']).code, 100);
    const r = hexad(['supervise', join(root, 'nonexistent')]);
    assert.equal(r.code, 111);
    assert.match(r.stderr, /unable to chdir to .*: No such file or directory/);
  });
});

describe('run', { timeout: 120_000 }, () => {
  test('started with the service name, in the service directory, in a new session', async (t) => {
    const { dir } = await supervise(t, { run: 'echo "$1 $(pwd) $(ps -o sid= -p $$ | tr -d " ") $$" > out; exec sleep 1000\n' });
    const out = await until('run output', () => (existsSync(join(dir, 'out')) ? readFileSync(join(dir, 'out'), 'utf8').trim() : ''));
    const [name, cwd, sid, pid] = out.split(' ');
    assert.equal(name, dir);
    assert.equal(cwd, dir);
    assert.equal(sid, pid);
    assert.equal(Number(pid), status(dir).pid);
  });

  test('missing run: warning, status stays down and wanted up, retried 10 s later', async (t) => {
    const { dir, d } = await supervise(t, { 'finish': 'exit 0' }, { wait: false });
    await until('spawn warnings', () => /unable to spawn \.\/run - waiting 10 seconds/.test(d.stderr) && /\(child\): fatal: unable to exec run: No such file or directory/.test(d.stderr));
    const s = status(dir);
    assert.equal(s.pid, 0);
    assert.ok(s.wantUp);
    assert.equal(svstat(dir).replace(/\d+ seconds/g, 'N seconds'), 'down (exitcode 0) N seconds, normally up, want up, ready N seconds');
    writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 1000\n', { mode: 0o755 });
    const started = Date.now();
    await upPid(dir);
    assert.ok(Date.now() - started > 5000, 'retried after 10 seconds, not at once');
  });

  test('run not executable: same warning', async (t) => {
    const dir = serviceDir(join(root, `sv${n++}`), {});
    writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 1000\n', { mode: 0o644 });
    const d = hexadDaemon(['supervise', dir]);
    t.after(() => d.stop());
    await until('spawn warnings', () => /unable to exec run: Permission denied/.test(d.stderr) && /warning: unable to spawn \.\/run - waiting 10 seconds/.test(d.stderr));
  });
});

describe('finish', { timeout: 120_000 }, () => {
  test('gets the exit code, 0 and the name; then the restart', async (t) => {
    const { dir, ev } = await supervise(t, { run: 'exec sleep 1000', finish: 'echo "$@" >> finish.out' });
    const lines = (): string[] => (existsSync(join(dir, 'finish.out')) ? readFileSync(join(dir, 'finish.out'), 'utf8').split('\n').filter(Boolean) : []);
    svc(dir, '-r');
    const at = await ev.waitFor('dDu');
    assert.deepEqual(lines(), [`256 15 ${dir}`]);
    await until('restarted', () => ev.text.length >= at && status(dir).pid);
    // sh reads ./run after its exec: rewrite it only once the restart runs sleep
    await until('sleep running', () => { try { return readFileSync(`/proc/${status(dir).pid}/cmdline`, 'latin1').startsWith('sleep'); } catch { return false; } });
    writeFileSync(join(dir, 'run'), '#!/bin/sh\nexit 3\n');
    svc(dir, '-k');
    await until('two more finish runs', () => lines().length >= 3);
    assert.deepEqual(lines().slice(0, 3), [`256 15 ${dir}`, `256 9 ${dir}`, `3 0 ${dir}`]);
  });

  test('exit 125 is a permanent failure: event O, want down, no restart', async (t) => {
    const { dir, ev } = await supervise(t, { run: 'exec sleep 1000', finish: 'exit 125' });
    svc(dir, '-k');
    await ev.waitFor('dOD');
    const s = status(dir);
    assert.equal(s.wantUp, false);
    assert.equal(s.pid, 0);
    await sleep(1300);
    assert.equal(status(dir).pid, 0, 'not restarted');
    assert.match(svstat(dir), /^down \(signal SIGKILL\) \d+ seconds, normally up, ready \d+ seconds$/);
  });

  test('timeout-finish: a finish that runs too long is killed', async (t) => {
    const { dir, d, ev } = await supervise(t, { run: 'exec sleep 1000', finish: 'exec sleep 1000', 'timeout-finish': '3000\n' });
    svc(dir, '-d');
    await ev.waitFor('d');
    assert.ok(status(dir).finishing);
    assert.match(svstat(dir), /^down \(signal SIGTERM\) \d+ seconds, normally up$/);
    await ev.waitFor('dD');
    assert.match(d.stderr, /finish script lifetime reached maximum value - sending it a SIGKILL/);
    assert.equal(status(dir).finishing, false);
  });

  test('no finish: d then D', async (t) => {
    const { dir, ev } = await supervise(t, { run: SLEEP });
    svc(dir, '-d');
    await ev.waitFor('dD');
  });
});

describe('service files', { timeout: 120_000 }, () => {
  test('down: not started, "normally down"; -u starts it', async (t) => {
    const { dir, ev } = await supervise(t, { run: SLEEP, down: '' }, { wait: false });
    await sleep(300);
    assert.equal(status(dir).pid, 0);
    assert.match(svstat(dir), /^down \(exitcode 0\) \d+ seconds, ready \d+ seconds$/);
    svc(dir, '-u');
    await upPid(dir);
    await ev.waitFor('u');
    assert.match(svstat(dir), /^up \(pid \d+\) \d+ seconds, normally down$/);
  });

  test('notification-fd: readiness written late sets ready and sends U', async (t) => {
    const { dir, ev } = await supervise(t, { run: 'while [ ! -e go ]; do sleep 0.02; done; echo >&5; exec sleep 1000', 'notification-fd': '5\n' });
    assert.equal(status(dir).ready, false);
    assert.match(svstat(dir), /^up \(pid \d+\) \d+ seconds$/);
    writeFileSync(join(dir, 'go'), '');
    await ev.waitFor('U');
    assert.ok(status(dir).ready);
    assert.match(svstat(dir), /^up \(pid \d+\) \d+ seconds, ready \d+ seconds$/);
  });

  test('notification-fd: a service that never writes the newline is never ready', async (t) => {
    const { dir, ev } = await supervise(t, { run: 'printf x >&3; exec 3>&-; exec sleep 1000', 'notification-fd': '3' });
    await sleep(500);
    assert.equal(status(dir).ready, false);
    assert.ok(!ev.text.includes('U'));
  });

  test('notification-fd garbage: warned, started without readiness', async (t) => {
    const { dir, d } = await supervise(t, { run: SLEEP, 'notification-fd': 'three\n' });
    assert.ok(status(dir).pid);
    await until('warning', () => d.stderr.includes('warning: invalid notification-fd'));
  });

  test('down-signal: sent by -d and -r instead of SIGTERM; garbage falls back to SIGTERM', async (t) => {
    const { dir, ev } = await supervise(t, { run: "trap 'exit 7' USR1; trap '' TERM; while :; do sleep 0.05; done", 'down-signal': 'USR1\n' });
    svc(dir, '-r');
    let at = await ev.waitFor('dD');
    assert.equal(wstatExitCode(status(dir).wstat), 7);
    writeFileSync(join(dir, 'down-signal'), 'NOTASIG\n');
    writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 1000\n');
    at = await ev.waitFor('u', at);
    svc(dir, '-k');
    at = await ev.waitFor('dDu', at);
    svc(dir, '-d');
    await ev.waitFor('dD', at);
    assert.ok(wstatSignaled(status(dir).wstat));
    assert.equal(wstatSignal(status(dir).wstat), 15);
  });

  test('timeout-kill: a service that ignores the down-signal is killed', async (t) => {
    const { dir, ev } = await supervise(t, { run: "trap '' TERM; while :; do sleep 0.05; done", 'timeout-kill': '300\n' });
    const started = Date.now();
    svc(dir, '-d');
    await ev.waitFor('dD');
    assert.ok(Date.now() - started >= 290);
    assert.equal(wstatSignal(status(dir).wstat), 9);
  });

  test('max-death-tally keeps the newest records, 14 bytes each', async (t) => {
    const { dir, ev } = await supervise(t, { run: 'exit 4', 'max-death-tally': '2\n' }, { wait: false });
    let from = 0;
    for (let i = 0; i < 3; i++) from = await ev.waitFor('dD', from);
    const tally = readDeathTally(dir, 100);
    assert.equal(tally.length, 2);
    assert.deepEqual(tally.map((d) => [d.exitCode, d.sig]), [[4, 0], [4, 0]]);
    assert.equal(statSync(join(dir, 'supervise/death_tally')).size, 28);
    assert.match(hexad(['svdt', dir]).stdout, /^(@[0-9a-f]{24} exitcode 4\n){2}$/);
    hexad(['svdt-clear', dir]);
    assert.equal(statSync(join(dir, 'supervise/death_tally')).size, 0);
  });

  test('lock-fd: run holds a write lock on supervise/service-lock at that descriptor', async (t) => {
    const { dir } = await supervise(t, { run: 'exec sleep 1000', 'lock-fd': '7\n' });
    const pid = status(dir).pid;
    await until('lock taken', () => {
      const fd = openSync(join(dir, 'supervise/service-lock'), 'r');
      try {
        return lockHolder(fd, 'r') === pid;
      } finally {
        closeSync(fd);
      }
    });
    await until('run exec\'d sleep with the lock', () => /^sleep\x001000/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1')));
  });
});

describe('restart throttle', { timeout: 120_000 }, () => {
  // Measured with the supervisor's own stamps: readystamp is the down-and-ready time, and the
  // restart leaves it alone while setting stamp to the spawn time.
  const gapMs = (dir: string): number => {
    const s = status(dir);
    return (s.stamp.sec - s.readyStamp.sec) * 1000 + (s.stamp.nsec - s.readyStamp.nsec) / 1e6;
  };

  test('a service that never became ready is restarted 1 s after down-and-ready', async (t) => {
    const { dir, ev } = await supervise(t, { run: 'sleep 0.1; exit 1' });
    await ev.waitFor('dDu');
    await until('restarted', () => status(dir).pid && !status(dir).ready);
    assert.ok(gapMs(dir) >= 990, `restarted ${gapMs(dir)} ms after down`);
  });

  test('a service ready for more than 1 s is restarted at once', async (t) => {
    const { dir, ev } = await supervise(t, { run: 'echo >&3; exec sleep 1000', 'notification-fd': '3' });
    await until('ready', () => status(dir).ready);
    await sleep(1100);
    svc(dir, '-k');
    await ev.waitFor('dDu');
    assert.ok(gapMs(dir) < 900, `restarted ${gapMs(dir)} ms after down: no throttle`);
  });

  test('an explicit -u starts a down service at once, even right after a stop', async (t) => {
    const { dir, ev } = await supervise(t, { run: SLEEP });
    svc(dir, '-d');
    await ev.waitFor('dD');
    assert.equal(writeControl(dir, 'supervise', 'u').kind, 'ok');
    await ev.waitFor('u', 2);
    assert.ok(gapMs(dir) < 900, `started ${gapMs(dir)} ms after down: no throttle`);
  });
});

describe('control bytes', { timeout: 120_000 }, () => {
  const TRAPS = ['ALRM', 'ABRT', 'QUIT', 'HUP', 'INT', 'USR1', 'USR2', 'WINCH'].map((s) => `trap 'echo ${s} >> sigs' ${s}`).join('; ');
  test('a b q h i 1 2 y send their signals to the service', async (t) => {
    const { dir } = await supervise(t, { run: `${TRAPS}; while :; do sleep 0.05; done` });
    await sleep(200);
    for (const c of 'abqhi12y') {
      svc(dir, `-${c}`);
      await sleep(120);
    }
    const got = await until('signals', () => {
      const s = existsSync(join(dir, 'sigs')) ? readFileSync(join(dir, 'sigs'), 'utf8').trim().split('\n') : [];
      return s.length >= 8 ? s : null;
    });
    assert.deepEqual(got, ['ALRM', 'ABRT', 'QUIT', 'HUP', 'INT', 'USR1', 'USR2', 'WINCH']);
  });

  test('t and k terminate and kill; the service is restarted', async (t) => {
    const { dir, ev } = await supervise(t, { run: SLEEP });
    svc(dir, '-t');
    await ev.waitFor('dDu');
    assert.equal(wstatSignal(status(dir).wstat), 15);
    svc(dir, '-k');
    await ev.waitFor('dDu', 3);
    assert.equal(wstatSignal(status(dir).wstat), 9);
  });

  test('p pauses (SIGSTOP + paused flag), c continues', async (t) => {
    const { dir } = await supervise(t, { run: SLEEP });
    const pid = status(dir).pid;
    svc(dir, '-p');
    await until('stopped', () => /^T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]));
    assert.ok(status(dir).paused);
    assert.match(svstat(dir), /, paused$/);
    svc(dir, '-c');
    await until('running and not paused', () => !/^T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]) && !status(dir).paused);
  });

  test('o: once (start if down, never restart); O: no restart', async (t) => {
    const { dir, ev } = await supervise(t, { run: SLEEP, down: '' }, { wait: false });
    svc(dir, '-o');
    await ev.waitFor('u');
    assert.equal(status(dir).wantUp, false);
    assert.match(svstat(dir), /, normally down, want down$/);
    svc(dir, '-k');
    await ev.waitFor('dD');
    await sleep(1200);
    assert.equal(status(dir).pid, 0);
    svc(dir, '-u');
    await ev.waitFor('u', 3);
    svc(dir, '-O');
    await until('want down', () => !status(dir).wantUp);
    assert.ok(status(dir).pid, 'O does not kill');
    svc(dir, '-k');
    await ev.waitFor('dD', 4);
    await sleep(1200);
    assert.equal(status(dir).pid, 0);
  });

  test('D creates ./down and stops; U removes it and starts; Q creates it without killing', async (t) => {
    const { dir, ev } = await supervise(t, { run: SLEEP });
    svc(dir, '-D');
    await ev.waitFor('dD');
    assert.ok(existsSync(join(dir, 'down')));
    svc(dir, '-U');
    await ev.waitFor('u', 2);
    assert.ok(!existsSync(join(dir, 'down')));
    assert.ok(status(dir).wantUp);
    svc(dir, '-Q');
    await until('down file', () => existsSync(join(dir, 'down')));
    assert.equal(status(dir).wantUp, false);
    assert.ok(status(dir).pid);
  });

  test('x: the supervisor exits once the service is down (immediately when down)', async (t) => {
    const { dir, d, ev } = await supervise(t, { run: SLEEP });
    svc(dir, '-x');
    await sleep(300);
    assert.ok(d.running, 'still supervising while the service runs');
    svc(dir, '-d');
    await ev.waitFor('dDx');
    await d.wait();
    assert.equal(d.exitCode, 0);
    const r = hexad(['svok', dir]);
    assert.equal(r.code, 1);
  });

  test('unknown bytes are ignored; a 1 MB flood leaves the supervisor responsive', async (t) => {
    const { dir, d } = await supervise(t, { run: SLEEP });
    const pid = status(dir).pid;
    assert.equal(writeControl(dir, 'supervise', 'ZZ?!\n').kind, 'ok');
    const flood = Buffer.alloc(1 << 20, 'u'.charCodeAt(0));
    const fd = openSync(join(dir, 'supervise/control'), 'w');
    try {
      // the supervisor reads while we write: a blocking write of 1 MB completes
      writeSync(fd, flood);
    } finally {
      closeSync(fd);
    }
    assert.equal(svc(dir, '-T', '20000', '-wd', '-d').code, 0);
    assert.ok(d.running);
    assert.ok(!processAlive(pid) || status(dir).pid === 0);
  });
});

describe('signals to the supervisor', { timeout: 120_000 }, () => {
  test('SIGTERM: the service is brought down, then the supervisor exits', async (t) => {
    const { dir, d, ev } = await supervise(t, { run: SLEEP });
    const pid = status(dir).pid;
    d.kill('SIGTERM');
    await d.wait();
    await ev.waitFor('dDx');
    assert.ok(!processAlive(pid));
  });

  test('SIGQUIT: the supervisor exits at once, leaving the service running', async (t) => {
    const { dir, d } = await supervise(t, { run: SLEEP });
    const pid = status(dir).pid;
    d.kill('SIGQUIT');
    await d.wait();
    assert.ok(processAlive(pid));
    process.kill(pid, 'SIGKILL');
  });

  test('SIGHUP: exits when the service dies on its own', async (t) => {
    const { dir, d, ev } = await supervise(t, { run: SLEEP });
    d.kill('SIGHUP');
    await sleep(300);
    assert.ok(d.running);
    process.kill(status(dir).pid, 'SIGTERM');
    await ev.waitFor('x');
    await d.wait();
  });

  test('SIGINT: SIGINT to the service process group, then exit', async (t) => {
    const { dir, d } = await supervise(t, { run: SLEEP });
    const pid = status(dir).pid;
    d.kill('SIGINT');
    await d.wait();
    await until('service interrupted', () => !processAlive(pid));
  });
});

describe('bad input', { timeout: 120_000 }, () => {
  test('a service directory removed while supervised: no crash, SIGTERM still stops it', async (t) => {
    const { dir, d } = await supervise(t, { run: SLEEP });
    const pid = status(dir).pid;
    rmSync(dir, { recursive: true, force: true });
    process.kill(pid, 'SIGKILL');
    await until('warned', () => /unable to/.test(d.stderr));
    assert.ok(d.running);
    d.kill('SIGTERM');
    await d.wait();
    assert.doesNotMatch(d.stderr, /at .*\.js/);
  });

  test('garbage timeout-kill and max-death-tally are warned about and ignored', async (t) => {
    const { dir, d, ev } = await supervise(t, { run: SLEEP, 'timeout-kill': 'soon', 'max-death-tally': '-1' });
    svc(dir, '-k');
    await ev.waitFor('dDu');
    svc(dir, '-d');
    await ev.waitFor('dD', 3);
    await until('warnings', () => d.stderr.includes('invalid timeout-kill') && d.stderr.includes('invalid max-death-tally'));
    assert.equal(readDeathTally(dir, 100).length, 2, 'default max-death-tally used');
  });

  test('a control path that is not a FIFO is refused with exit 100', () => {
    const dir = serviceDir(join(root, `sv${n++}`), { run: SLEEP });
    rmSync(join(dir, 'supervise'), { recursive: true, force: true });
    hexad(['svok', dir]);
    mkdirSync(join(dir, 'supervise'));
    writeFileSync(join(dir, 'supervise/control'), '');
    const r = hexad(['supervise', dir]);
    assert.equal(r.code, 100);
    assert.match(r.stderr, /supervise\/control is not a FIFO/);
    unlinkSync(join(dir, 'supervise/control'));
  });
});
