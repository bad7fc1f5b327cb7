// `npm run bench -- log-tree`: N services (default 200, HEXAD_BENCH_LOGTREE_N), each with a
// logger (`log/run`: `hexad log` under hexad svscan, Debian's `s6-log` under s6-svscan),
// each service printing a line a second. Once everything runs, the whole tree's memory is
// summed (scanner, supervisors, loggers and services: every descendant of the scanner),
// RSS and PSS, hexad beside s6 with ratios, in one run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeControl } from '../src/s6/control.js';
import { printTable, ratio } from './table.js';
import { HEXAD, hasS6, sleep, sumMemory, tempDir, type Memory } from './util.js';

const N = Number(process.env.HEXAD_BENCH_LOGTREE_N ?? 200);
const SETTLE_MS = Number(process.env.HEXAD_BENCH_LOGTREE_SETTLE_MS ?? 10_000);
type Impl = 'hexad' | 's6';

/** Every descendant of `root` (and root itself). */
function tree(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid)!.push(Number(p));
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(kids.get(p) ?? []));
  }
  return out;
}

function countLoggers(pids: number[], impl: Impl): number {
  let n = 0;
  for (const p of pids) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'latin1');
      if (impl === 's6' ? cmd.startsWith('s6-log\0') || cmd.includes('/s6-log\0') : cmd.includes('\0log\0')) n++;
    } catch { /* gone */ }
  }
  return n;
}

async function once(impl: Impl, root: string): Promise<{ mem: Memory; processes: number; loggers: number }> {
  const scan = join(root, impl);
  rmSync(scan, { recursive: true, force: true });
  for (let i = 0; i < N; i++) {
    const d = join(scan, `s${i}`);
    mkdirSync(join(d, 'log'), { recursive: true });
    writeFileSync(join(d, 'run'), '#!/bin/sh\nexec 2>&1\nwhile :; do echo tick; sleep 1; done\n', { mode: 0o755 });
    const logger = impl === 'hexad' ? `exec '${process.execPath}' '${HEXAD}' log` : 'exec /usr/bin/s6-log';
    writeFileSync(join(d, 'log', 'run'), `#!/bin/sh\n${logger} n3 s100000 t ./main\n`, { mode: 0o755 });
  }
  const scanner: ChildProcess = impl === 'hexad'
    ? spawn(process.execPath, [HEXAD, 'svscan', '-c', String(2 * N + 10), scan], { stdio: 'ignore' })
    : spawn('/usr/bin/s6-svscan', ['-c', String(2 * N + 10), scan], { stdio: 'ignore' });
  // wait until every logger has written something, then let the tree settle
  const deadline = Date.now() + 300_000;
  for (;;) {
    let ok = 0;
    for (let i = 0; i < N; i++) {
      try {
        if (readFileSync(join(scan, `s${i}`, 'log', 'main', 'current')).length) ok++;
      } catch { /* not yet */ }
    }
    if (ok === N || Date.now() > deadline) break;
    await sleep(500);
  }
  await sleep(SETTLE_MS);
  const pids = tree(scanner.pid!);
  const mem = sumMemory(pids);
  const loggers = countLoggers(pids, impl);
  writeControl(scan, '.s6-svscan', 't');
  await new Promise((r) => scanner.once('exit', r));
  await sleep(2000);
  rmSync(scan, { recursive: true, force: true });
  return { mem, processes: pids.length, loggers };
}

export default async function main(): Promise<void> {
  const root = tempDir('hexad-bench-logtree-');
  const s6 = hasS6();
  try {
    const h = await once('hexad', root);
    const s = s6 ? await once('s6', root) : null;
    const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
    const rows: string[][] = [];
    for (const k of ['rssKb', 'pssKb'] as const) {
      rows.push([`${N} logged services: ${k === 'rssKb' ? 'RSS' : 'PSS'} of the whole tree`, mb(h.mem[k]), s ? mb(s.mem[k]) : 'n/a', s ? ratio(h.mem[k], s.mem[k]) : 'n/a']);
    }
    rows.push(['processes in the tree (logger processes)', `${h.processes} (${h.loggers})`, s ? `${s.processes} (${s.loggers})` : 'n/a', '']);
    printTable(['measure', 'hexad', 's6', 'hexad/s6'], rows);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
