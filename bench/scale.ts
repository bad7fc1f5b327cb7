// `npm run bench -- scale [--sizes=10,100,500,1000,2000] [--idle=10] [--kills=5]`: the scale
// curve, hexad svscan against Debian's s6-svscan in the same run, the two sides alternating
// (which one goes first flips at each size). For each size N of `sleep` services:
//   bring-up: scanner start until every supervisor has sent its `u` event, and the CPU the
//     supervision processes used for it (hexad: the scanner; s6: s6-svscan + N s6-supervise);
//   memory of the supervision processes once settled, PSS (the headline) and RSS summed;
//   idle CPU over --idle seconds;
//   kill -9 of one service (ready for over 1 s) until its supervisor's `u` event for the new process (median of
//     --kills services);
//   crash storm: N/10 services killed at once until all have their `u` event;
//   stop: `svscanctl -t` until the scanner and every service have exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeControl } from '../src/s6/control.js';
import { readStatus } from '../src/s6/status.js';
import { median, ms, printTable, ratio } from './table.js';
import { childrenNamed, EventClock, HEXAD, hasS6, sleep, sumMemory, tempDir, type Memory } from './util.js';

type Impl = 'hexad' | 's6';

function opt(name: string, dflt: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : process.env[`HEXAD_BENCH_SCALE_${name.toUpperCase()}`] ?? dflt;
}

const SIZES = opt('sizes', '10,100,500,1000,2000').split(',').map(Number).filter((n) => n > 0);
const IDLE_S = Number(opt('idle', '10'));
const KILLS = Number(opt('kills', '5'));

interface Figures { upS: number; upCpu: number; mem: Memory; idleCpu: number; restartMs: number; deathMs: number; stormMs: number; stopMs: number }

const TICK = 100;
function cpuOf(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    try {
      t += ticksOf(pid);
    } catch { /* gone */ }
  }
  return t / TICK;
}
function ticksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/\) Z /.test(safeStat(pid));
function safeStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return ') Z ';
  }
}

async function waitAll(pred: () => boolean, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('bench scale: timed out');
    await sleep(5);
  }
}

async function once(impl: Impl, n: number, root: string): Promise<Figures> {
  const scan = join(root, `${impl}-${n}`);
  rmSync(scan, { recursive: true, force: true });
  mkdirSync(scan, { recursive: true });
  const dirs = Array.from({ length: n }, (_, i) => join(scan, `s${i}`));
  const clock = new EventClock(dirs, 'u');
  // Readiness, because s6 restarts at once only a service that was ready for over 1 s (else after
  // a 1 s throttle), and hexad does the same.
  for (const d of dirs) {
    writeFileSync(join(d, 'run'), '#!/bin/sh\necho >&3\nexec sleep 100000 3>&-\n', { mode: 0o755 });
    writeFileSync(join(d, 'notification-fd'), '3\n');
  }
  const t0 = performance.now();
  const scanner: ChildProcess = impl === 'hexad'
    ? spawn(process.execPath, [HEXAD, 'svscan', '-c', String(n + 10), scan], { stdio: 'ignore' })
    : spawn('/usr/bin/s6-svscan', ['-c', String(n + 10), scan], { stdio: 'ignore' });
  const t1 = await clock.done;
  clock.close();
  const supervision = (): number[] => impl === 'hexad' ? [scanner.pid!] : [scanner.pid!, ...childrenNamed(scanner.pid!, 's6-supervise')];
  const upCpu = cpuOf(supervision());
  await sleep(3000);
  const pids = supervision();
  const mem = sumMemory(pids);
  const c0 = cpuOf(pids);
  await sleep(IDLE_S * 1000);
  const idleCpu = cpuOf(pids) - c0;

  const restarts: number[] = [];
  const deaths: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const dir = dirs[Math.floor(Math.random() * n)];
    const pid = readStatus(dir).pid;
    const c = new EventClock([dir], 'u');
    const d = new EventClock([dir], 'd');
    const s = performance.now();
    if (pid > 1) process.kill(pid, 'SIGKILL');
    restarts.push((await c.done) - s);
    deaths.push((await d.done) - s);
    c.close();
    d.close();
    await sleep(1100); // s6 waits 1 s between two starts of one service
  }

  const victims = dirs.filter((_, i) => i % 10 === 0);
  const storm = new EventClock(victims, 'u');
  const vpids = victims.map((d) => readStatus(d).pid);
  const s0 = performance.now();
  for (const p of vpids) if (p > 1) process.kill(p, 'SIGKILL');
  const stormMs = (await storm.done) - s0;
  storm.close();

  await sleep(500);
  const services = dirs.map((d) => readStatus(d).pid).filter((p) => p > 1);
  const st = performance.now();
  const exited = new Promise((r) => (scanner.exitCode !== null ? r(null) : scanner.once('exit', r)));
  writeControl(scan, '.s6-svscan', 't');
  await exited;
  await waitAll(() => !services.some(alive) && !pids.some(alive), 60_000);
  const stopMs = performance.now() - st;
  rmSync(scan, { recursive: true, force: true });
  return { upS: (t1 - t0) / 1000, upCpu, mem, idleCpu, restartMs: median(restarts), deathMs: median(deaths), stormMs, stopMs };
}

export default async function main(): Promise<void> {
  const root = tempDir('hexad-bench-scale-');
  const s6 = hasS6();
  const rows: string[][] = [];
  try {
    for (const [i, n] of SIZES.entries()) {
      const sides: Impl[] = !s6 ? ['hexad'] : i % 2 ? ['s6', 'hexad'] : ['hexad', 's6'];
      const f: Partial<Record<Impl, Figures>> = {};
      for (const impl of sides) {
        process.stderr.write(`bench scale: ${impl}, ${n} services\n`);
        f[impl] = await once(impl, n, root);
      }
      const row = (what: string, get: (x: Figures) => number, show: (v: number) => string): void => {
        const h = get(f.hexad!);
        const s = f.s6 ? get(f.s6) : NaN;
        rows.push([String(n), what, show(h), f.s6 ? show(s) : 'n/a', f.s6 ? ratio(h, s) : 'n/a']);
      };
      const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
      row('bring-up until all `u` (s)', (x) => x.upS, (v) => v.toFixed(3));
      row('CPU of the bring-up (s)', (x) => x.upCpu, (v) => v.toFixed(2));
      row('PSS of the supervision processes', (x) => x.mem.pssKb, mb);
      row('RSS summed', (x) => x.mem.rssKb, mb);
      row(`idle CPU over ${IDLE_S} s (s)`, (x) => x.idleCpu, (v) => v.toFixed(2));
      row(`kill -9 -> \`d\` event (ms, median of ${KILLS})`, (x) => x.deathMs, ms);
      row(`kill -9 -> new process (ms, median of ${KILLS})`, (x) => x.restartMs, ms);
      row(`crash storm: ${Math.ceil(n / 10)} killed -> all back (ms)`, (x) => x.stormMs, ms);
      row('stop: svscanctl -t -> all exited (ms)', (x) => x.stopMs, ms);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  process.stdout.write(`One run per size, sides alternating (ratio = hexad / s6; below 1 is better; s6 = s6-svscan + one s6-supervise per service)\n\n`);
  printTable(['services', 'measure', 'hexad', 's6 2.11.3.2', 'hexad / s6'], rows);
}
