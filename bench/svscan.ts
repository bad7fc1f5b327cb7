// `npm run bench -- svscan`: a scan directory of N `sleep` services, hexad svscan against
// Debian's s6-svscan in the same run: (a) time from starting the scanner until every service
// has been spawned (each supervisor's `u` event, read here through its event/ fifodir);
// (b) memory of the supervision tree once all run: the scanner and every supervisor process
// (s6: s6-svscan + N s6-supervise; hexad: one process), summed RSS and PSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeControl } from '../src/s6/control.js';
import { median, ms, printTable, ratio } from './table.js';
import { childrenNamed, EventClock, HEXAD, hasS6, memoryOf, sleep, sumMemory, tempDir, type Memory } from './util.js';

const SETTLE_MS = 5000;

const SIZES = (process.env.HEXAD_BENCH_SVSCAN_SIZES ?? '200,1000').split(',').map(Number);
const RUNS = Number(process.env.HEXAD_BENCH_RUNS ?? 5);
type Impl = 'hexad' | 's6';

interface Run { seconds: number; mem: Memory; processes: number }

async function once(impl: Impl, n: number, root: string): Promise<Run> {
  const scan = join(root, `${impl}-${n}`);
  rmSync(scan, { recursive: true, force: true });
  mkdirSync(scan, { recursive: true });
  const dirs = Array.from({ length: n }, (_, i) => join(scan, `s${i}`));
  const clock = new EventClock(dirs, 'u');
  for (const d of dirs) writeFileSync(join(d, 'run'), '#!/bin/sh\nexec sleep 100000\n', { mode: 0o755 });
  const t0 = performance.now();
  const scanner: ChildProcess = impl === 'hexad'
    ? spawn(process.execPath, [HEXAD, 'svscan', '-c', String(n + 10), scan], { stdio: 'ignore' })
    : spawn('/usr/bin/s6-svscan', ['-c', String(n + 10), scan], { stdio: 'ignore' });
  const t1 = await clock.done;
  clock.close();
  await sleep(SETTLE_MS); // steady state: what the tree costs while it runs
  const pids = impl === 'hexad' ? [scanner.pid!] : [scanner.pid!, ...childrenNamed(scanner.pid!, 's6-supervise')];
  const mem = impl === 'hexad' ? memoryOf(scanner.pid!) : sumMemory(pids);
  writeControl(scan, '.s6-svscan', 't');
  await new Promise((r) => scanner.once('exit', r));
  rmSync(scan, { recursive: true, force: true });
  return { seconds: (t1 - t0) / 1000, mem, processes: pids.length };
}

export default async function main(): Promise<void> {
  const root = tempDir('hexad-bench-svscan-');
  const s6 = hasS6();
  try {
    const rows: string[][] = [];
    const memRows: string[][] = [];
    for (const n of SIZES) {
      const results: Record<Impl, Run[]> = { hexad: [], s6: [] };
      for (let i = 0; i < RUNS; i++) {
        results.hexad.push(await once('hexad', n, root));
        if (s6) results.s6.push(await once('s6', n, root));
      }
      const t = (impl: Impl): number => median(results[impl].map((r) => r.seconds));
      rows.push([`${n} services: scanner start -> all spawned (s)`, t('hexad').toFixed(3), s6 ? t('s6').toFixed(3) : 'n/a', s6 ? ratio(t('hexad'), t('s6')) : 'n/a']);
      const m = (impl: Impl, k: keyof Memory): number => median(results[impl].map((r) => r.mem[k]));
      const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
      for (const k of ['rssKb', 'pssKb'] as const) {
        memRows.push([`${n} services: ${k === 'rssKb' ? 'RSS' : 'PSS'} of the tree`, mb(m('hexad', k)), s6 ? mb(m('s6', k)) : 'n/a', s6 ? ratio(m('hexad', k), m('s6', k)) : 'n/a']);
      }
      memRows.push([`${n} services: supervisor processes`, String(results.hexad[0].processes), s6 ? String(results.s6[0].processes) : 'n/a', '']);
    }
    process.stdout.write(`Medians of ${RUNS} runs (ratio = hexad / s6; below 1 is better). ${ms(0).length ? '' : ''}\n\n`);
    printTable(['(a) start-up', 'hexad', 's6 2.11.3.2', 'ratio'], rows);
    process.stdout.write('\n');
    printTable(['(b) memory', 'hexad', 's6 2.11.3.2', 'ratio'], memRows);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
