// A scanner killed -9 and restarted adopts the services still running; the death of an
// adopted service (not the new scanner's child) is noticed through a pidfd, not a /proc poll.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, readdirSync, readlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { readStatus } from '../../src/s6/status.js';
import { taiToUnixMs } from '../../src/s6/tai.js';
import { procStat, watchOrphanExit } from '../../src/supervise/orphan.js';
import { pidfdOpen } from '../../src/native/index.js';
import { Daemon, HEXAD, hexadDaemon, processAlive, rmrf, serviceDir, sleep, tmp, until } from '../helpers.js';
import { countProcs, scanning, serviceUp, svscan } from './scan-helpers.js';

const root = tmp('hexad-adopt-');
after(() => rmrf(root));
let uniq = 300_000 + (process.pid % 1000) * 100;

function havePidfd(): boolean {
  try {
    closeSync(pidfdOpen(process.pid));
    return true;
  } catch {
    return false;
  }
}

function pidfdCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:[pidfd]') n++;
    } catch { /* closed meanwhile */ }
  }
  return n;
}

describe('watchOrphanExit', { timeout: 30_000 }, () => {
  test('calls back once when the process exits; stop() before that means no call', async () => {
    const a = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const b = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const calls: string[] = [];
    watchOrphanExit(a.pid!, procStat(a.pid!)!.startMs, () => calls.push('a'));
    const stopB = watchOrphanExit(b.pid!, procStat(b.pid!)!.startMs, () => calls.push('b'));
    stopB();
    a.kill('SIGKILL');
    b.kill('SIGKILL');
    await until('a reported', () => calls.includes('a'));
    await sleep(400);
    assert.deepEqual(calls, ['a']);
  });

  test('a pid that is gone, or whose start time does not match, is reported at once', async () => {
    const calls: number[] = [];
    const c = spawn('sleep', ['1000'], { stdio: 'ignore' });
    watchOrphanExit(c.pid!, procStat(c.pid!)!.startMs - 10_000, () => calls.push(1));
    watchOrphanExit(2 ** 22 + 7, 0, () => calls.push(2));
    assert.deepEqual(calls, [], 'never synchronously');
    await until('both reported', () => calls.length === 2);
    c.kill('SIGKILL');
  });
});

describe('adopted services after a SIGKILL of svscan', { timeout: 120_000 }, () => {
  test('their deaths are events (a pidfd each), and they restart without a poll delay', async (t) => {
    if (!havePidfd()) return t.skip('no pidfd_open on this kernel');
    const sc = join(root, 'scan');
    mkdirSync(sc, { recursive: true });
    const names = ['a', 'b', 'c'];
    // services that report readiness: one ready for over 1 s is restarted at once after a death
    for (const n of names) serviceDir(join(sc, n), { run: `echo >&3\nexec sleep ${uniq++} 3>&-\n`, 'notification-fd': '3\n' });
    const d1 = hexadDaemon(['svscan', sc]);
    t.after(() => d1.stop());
    await scanning(sc);
    const old = new Map<string, number>();
    for (const n of names) old.set(n, await serviceUp(join(sc, n)));
    for (const n of names) await until(`${n} ready`, () => readStatus(join(sc, n)).ready);
    // a service ready for < 1 s is restarted after a pause: let them all grow older
    await sleep(1200);
    d1.kill('SIGKILL');
    await d1.wait();
    const d2 = await svscan(t, sc);
    await until('all adopted', () => (d2.stderr.match(/adopting service pid/g) ?? []).length === names.length);
    await until('a pidfd per adopted service', () => pidfdCount(d2.pid) >= names.length);
    const latencies: number[] = [];
    for (const n of names) {
      const pid = old.get(n)!;
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      const st = await until(`${n} restarted`, () => {
        const s = readStatus(join(sc, n));
        return s.pid && s.pid !== pid ? s : null;
      });
      assert.ok(processAlive(st!.pid));
      latencies.push(taiToUnixMs(st!.stamp) - killedAt);
    }
    t.diagnostic(`restart latency of adopted services (ms): ${latencies.map((x) => x.toFixed(1)).join(', ')}`);
    // a poll every 200 ms would add 100 ms on average; the 1 s throttle would add 1000 ms. The
    // bound is loose (a loaded machine); the pidfd count above is the exact check.
    assert.ok(Math.min(...latencies) < 150, `restart latencies ${latencies.join(', ')} ms`);
    // the deaths were seen through the pidfds, which are closed once seen
    await until('the pidfds closed', () => pidfdCount(d2.pid) === 0);
  });
});

describe('kill -9 of svscan at the edges of a start', { timeout: 120_000 }, () => {
  const svstat = (dir: string): string => {
    const r = spawnSync(existsSync('/usr/bin/s6-svstat') ? '/usr/bin/s6-svstat' : 'false', [dir], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout : hexadSvstat(dir);
  };
  const hexadSvstat = (dir: string): string => spawnSync(process.execPath, [HEXAD, 'svstat', dir], { encoding: 'utf8' }).stdout;

  test('between the spawn and the status: the next scanner adopts the run no status names', async (t) => {
    const sc = join(root, 'unrecorded');
    mkdirSync(sc, { recursive: true });
    const tag = uniq++;
    serviceDir(join(sc, 'a'), { run: `echo $$ > pid\necho >&3\nexec sleep ${tag} 3>&-\n`, 'notification-fd': '3\n' });
    serviceDir(join(sc, 'b'), { run: `exec sleep ${tag + 1}\n` });
    const d1 = hexadDaemon(['svscan', sc], { env: { ...process.env, HEXAD_SUPERVISE_TEST_HOLD: 'spawned' } });
    t.after(() => d1.stop());
    await until('both spawned', () => countProcs('sleep', String(tag)).length === 1 && countProcs('sleep', String(tag + 1)).length === 1);
    assert.ok(!existsSync(join(sc, 'a', 'supervise', 'status')), 'no status names the run');
    d1.kill('SIGKILL');
    await d1.wait();
    const [pa] = countProcs('sleep', String(tag));
    const [pb] = countProcs('sleep', String(tag + 1));
    const d2 = await svscan(t, sc);
    await until('both adopted', () => (d2.stderr.match(/adopting service pid/g) ?? []).length === 2);
    // the readiness it wrote while nobody read is not lost either
    await until('a up and ready, same pid', () => new RegExp(`^up \\(pid ${pa}\\) .*ready`).test(svstat(join(sc, 'a'))));
    assert.match(svstat(join(sc, 'b')), new RegExp(`^up \\(pid ${pb}\\) `));
    await sleep(300);
    assert.deepEqual([countProcs('sleep', String(tag)), countProcs('sleep', String(tag + 1))], [[pa], [pb]], 'one copy of each');
    // still under control: a restart goes through the new scanner
    spawnSync(process.execPath, [HEXAD, 'svc', '-r', join(sc, 'b')]);
    await until('b restarted', () => countProcs('sleep', String(tag + 1)).some((p) => p !== pb));
  });

  test('between the spawn intent and the spawn: nothing runs unrecorded, the next scanner starts the service once', async (t) => {
    const sc = join(root, 'intent-only');
    mkdirSync(sc, { recursive: true });
    const tag = uniq++;
    serviceDir(join(sc, 'a'), { run: `exec sleep ${tag}\n` });
    // what a scanner killed right after writing its intent leaves: the intent, no status, no run
    mkdirSync(join(sc, 'a', 'supervise'), { recursive: true });
    writeFileSync(join(sc, 'a', 'supervise', 'hexad-spawn'), `${Date.now()}\n`);
    const d = await svscan(t, sc);
    const pid = await serviceUp(join(sc, 'a'));
    await sleep(300);
    assert.deepEqual(countProcs('sleep', String(tag)), [pid], 'started once');
    assert.doesNotMatch(d.stderr, /adopting/);
  });

  test('readiness written while no scanner runs, or after the next one adopted the run, is shown', async (t) => {
    const sc = join(root, 'late-ready');
    mkdirSync(sc, { recursive: true });
    const tag = uniq++;
    for (const n of ['early', 'late']) {
      serviceDir(join(sc, n), { run: `while [ ! -e go ]; do sleep 0.05; done\necho >&3\nexec sleep ${tag} 3>&-\n`, 'notification-fd': '3\n' });
    }
    const d1 = hexadDaemon(['svscan', sc]);
    t.after(() => d1.stop());
    await scanning(sc);
    const pEarly = await serviceUp(join(sc, 'early'));
    const pLate = await serviceUp(join(sc, 'late'));
    d1.kill('SIGKILL');
    await d1.wait();
    writeFileSync(join(sc, 'early', 'go'), '');
    await until('early wrote its newline', () => countProcs('sleep', String(tag)).length === 1);
    const d2 = await svscan(t, sc);
    await until('both adopted', () => (d2.stderr.match(/adopting service pid/g) ?? []).length === 2);
    assert.match(svstat(join(sc, 'early')), new RegExp(`^up \\(pid ${pEarly}\\) .*ready`));
    assert.doesNotMatch(svstat(join(sc, 'late')), /ready/);
    writeFileSync(join(sc, 'late', 'go'), '');
    await until('late ready', () => new RegExp(`^up \\(pid ${pLate}\\) .*ready`).test(svstat(join(sc, 'late'))));
    assert.equal(countProcs('sleep', String(tag)).length, 2, 'neither died of SIGPIPE nor was started twice');
  });
});

test('readiness is seen where no inotify watch is left (a user namespace with max_inotify_watches 0)', { timeout: 60_000 }, async (t) => {
  const probe = spawnSync('unshare', ['-U', '-r', 'sh', '-c', 'echo 0 > /proc/sys/user/max_inotify_watches'], { encoding: 'utf8' });
  if (probe.status !== 0) return t.skip(`no user namespace here: ${probe.stderr.trim()}`);
  const sc = join(root, 'no-inotify');
  mkdirSync(sc, { recursive: true });
  const tag = uniq++;
  serviceDir(join(sc, 'r'), { run: `sleep 0.3\necho >&3\nexec sleep ${tag} 3>&-\n`, 'notification-fd': '3\n' });
  const d = new Daemon('unshare', ['-U', '-r', 'sh', '-c', `echo 0 > /proc/sys/user/max_inotify_watches && exec "$0" "$@"`, process.execPath, HEXAD, 'svscan', sc]);
  t.after(() => d.stop());
  await scanning(sc);
  const pid = await serviceUp(join(sc, 'r'));
  await until('r ready', () => readStatus(join(sc, 'r')).ready);
  assert.equal(readStatus(join(sc, 'r')).pid, pid);
});
