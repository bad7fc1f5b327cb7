// hexad svscan as PID 1 of a new PID namespace (unshare, root only): every orphan is reaped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { HEXAD, hexad, rmrf, serviceDir, tmp, until } from '../helpers.js';

const root = tmp();
after(() => rmrf(root));
const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

interface Stat { pid: number; state: string; ppid: number }
function procs(): Stat[] {
  const out: Stat[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'latin1');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(d), state: f[0], ppid: Number(f[1]) });
    } catch { /* gone */ }
  }
  return out;
}
/** Host pid of unshare's child (PID 1 inside). */
function nsInit(unsharePid: number): number {
  return procs().find((p) => p.ppid === unsharePid)?.pid ?? 0;
}
/** Processes under `pid` (any depth), with their states. */
function descendants(pid: number): Stat[] {
  const all = procs();
  const out: Stat[] = [];
  const want = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (want.has(p.ppid) && !want.has(p.pid)) { want.add(p.pid); out.push(p); grew = true; }
  }
  return out;
}

test('svscan as PID 1 reaps double-forked orphans and 1,000 short-lived ones: zero zombies', { skip: !canUnshare && 'needs root and unshare' }, async () => {
  const scan = join(root, 'scan');
  // a service that leaves orphans behind: double forks, then 1,000 short-lived ones, then stays up
  serviceDir(join(scan, 'forker'), {
    run: 'for i in 1 2 3 4 5; do (sleep 1 &); done\ni=0; while [ $i -lt 1000 ]; do (true &); i=$((i+1)); done\ntouch ../../forked\nexec sleep 1000\n',
  });
  serviceDir(join(scan, 'plain'), { run: 'exec sleep 1000\n' });
  const u = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, HEXAD, 'svscan', scan], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  u.stderr.on('data', (d) => { stderr += d; });
  try {
    const init = await until('PID 1 started', () => nsInit(u.pid!), 30_000);
    await until('forker forked', () => existsSync(join(root, 'forked')), 120_000);
    await until('the sleeps of the double forks are over', () => !descendants(init).some((p) => p.ppid === init && readFileSync(`/proc/${p.pid}/cmdline`, 'latin1').startsWith('sleep\u00001\u0000')), 60_000).catch(() => 0);
    await until('zero zombies', () => descendants(init).filter((p) => p.state === 'Z').length === 0, 60_000);
    // the services are still supervised and their statuses reach their supervisors
    const st = hexad(['svstat', join(scan, 'plain')]);
    assert.match(st.stdout, /^up /);
    const r = hexad(['svc', '-k', '-wr', join(scan, 'plain')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(hexad(['svstat', join(scan, 'plain')]).stdout, /^up /);
    assert.equal(descendants(init).filter((p) => p.state === 'Z').length, 0);
  } finally {
    hexad(['svscanctl', '-t', scan]);
    await new Promise((res) => { u.once('exit', res); setTimeout(() => { u.kill('SIGKILL'); }, 30_000).unref(); });
  }
  assert.doesNotMatch(stderr, /fatal/);
});
