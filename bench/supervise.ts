// `npm run bench -- supervise`: one supervisor, hexad's against Debian's s6-supervise, in the
// same run: (a) start of a supervisor until its service runs; explicit start (`u`) until the
// service runs; kill -9 of a service ready for over 1 s until the new process runs;
// (b) round trip of `svc -r -wU`; (c) memory of one supervisor. Times are measured from the
// supervisor's own `u` event, read by this process through the event/ fifodir.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeControl } from '../src/s6/control.js';
import { readStatus } from '../src/s6/status.js';
import { isLocked } from '../src/s6/lockfile.js';
import { median, ms, printTable, RATIO_NOTE, ratio } from './table.js';
import { EventClock, HEXAD, hasS6, memoryOf, sleep, tempDir, timed } from './util.js';

const RUNS = Number(process.env.HEXAD_BENCH_RUNS ?? 10);
type Impl = 'hexad' | 's6';

function serviceDir(dir: string, down: boolean): void {
  rmSync(dir, { recursive: true, force: true });
  new EventClock([dir], 'x').close(); // creates dir and event/
  writeFileSync(join(dir, 'run'), '#!/bin/sh\necho >&3\nexec sleep 100000\n', { mode: 0o755 });
  writeFileSync(join(dir, 'notification-fd'), '3\n');
  if (down) writeFileSync(join(dir, 'down'), '');
}

function startSupervisor(impl: Impl, dir: string): ChildProcess {
  return impl === 'hexad'
    ? spawn(process.execPath, [HEXAD, 'supervise', dir], { stdio: 'ignore' })
    : spawn('/usr/bin/s6-supervise', [dir], { stdio: 'ignore' });
}

async function stopSupervisor(child: ChildProcess, dir: string): Promise<void> {
  writeControl(dir, 'supervise', 'dx');
  await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
}

async function waitFor(what: () => boolean): Promise<void> {
  while (!what()) await sleep(2);
}

interface Figures { cold: number[]; explicit: number[]; restart: number[]; restartWarm: number[]; svc: number[]; mem: ReturnType<typeof memoryOf> }

const emptyFigures = (): Figures => ({ cold: [], explicit: [], restart: [], restartWarm: [], svc: [], mem: { rssKb: 0, pssKb: 0, anonKb: 0 } });

/** One run of every measure for one implementation, added to `f`. */
async function measureOnce(impl: Impl, root: string, f: Figures, i: number): Promise<void> {
  const dir = join(root, impl);
  {
    // (a) cold: supervisor start -> service spawned
    serviceDir(dir, false);
    const clock = new EventClock([dir], 'u');
    const t0 = performance.now();
    const sup = startSupervisor(impl, dir);
    f.cold.push((await clock.done) - t0);
    clock.close();
    await waitFor(() => readStatus(dir).ready);
    // (a) kill -9 of a service ready for more than 1 s -> new process: the first time (for
    // hexad, V8 compiles that path then) and a later time
    for (const into of [f.restart, f.restartWarm]) {
      await waitFor(() => readStatus(dir).ready);
      await sleep(1100);
      const again = new EventClock([dir], 'u');
      const t1 = performance.now();
      process.kill(readStatus(dir).pid, 'SIGKILL');
      into.push((await again.done) - t1);
      again.close();
    }
    // (a) explicit start from down
    writeControl(dir, 'supervise', 'd');
    await waitFor(() => readStatus(dir).pid === 0 && readStatus(dir).ready);
    const up = new EventClock([dir], 'u');
    const t2 = performance.now();
    writeControl(dir, 'supervise', 'u');
    f.explicit.push((await up.done) - t2);
    up.close();
    // (b) svc -r -wU round trip, the service ready for more than 1 s
    await waitFor(() => readStatus(dir).ready);
    await sleep(1100);
    f.svc.push(impl === 'hexad'
      ? await timed(process.execPath, [HEXAD, 'svc', '-r', '-wU', dir])
      : await timed('/usr/bin/s6-svc', ['-r', '-wU', dir]));
    if (i === RUNS - 1) {
      await sleep(3000); // steady state
      f.mem = memoryOf(sup.pid!);
    }
    await stopSupervisor(sup, dir);
    await waitFor(() => !isLocked(join(dir, 'supervise', 'lock')));
  }
}

export default async function main(): Promise<void> {
  const root = tempDir('hexad-bench-supervise-');
  try {
    // one run of each side in turn, the order swapped every run
    const h = emptyFigures();
    const s = hasS6() ? emptyFigures() : null;
    for (let i = 0; i < RUNS; i++) {
      const order: Impl[] = i % 2 ? ['s6', 'hexad'] : ['hexad', 's6'];
      for (const impl of order) {
        if (impl === 'hexad') await measureOnce('hexad', root, h, i);
        else if (s) await measureOnce('s6', root, s, i);
      }
    }
    const row = (what: string, a: number[], b: number[] | undefined): string[] =>
      [what, ms(median(a)), b ? ms(median(b)) : 'n/a', b ? ratio(median(a), median(b)) : 'n/a'];
    process.stdout.write(`Medians of ${RUNS} runs, hexad and s6 alternated run by run, in ms; ${RATIO_NOTE}. Whole-command start-up: \`npm run bench -- startup\`.\n\n`);
    printTable(['measure', 'hexad', 's6 2.11.3.2', 'ratio'], [
      row('(a) supervisor start -> service spawned', h.cold, s?.cold),
      row('(a) explicit start (u) -> service spawned', h.explicit, s?.explicit),
      row('(a) kill -9 of a ready service -> new process, first time', h.restart, s?.restart),
      row('(a) kill -9 of a ready service -> new process, later', h.restartWarm, s?.restartWarm),
    ]);
    process.stdout.write('\n');
    printTable(['whole command (a process per call)', 'hexad', 's6 2.11.3.2', 'ratio'], [
      row('(b) svc -r -wU round trip', h.svc, s?.svc),
    ]);
    process.stdout.write('\n');
    const kb = (n: number): string => `${(n / 1024).toFixed(1)} MB`;
    printTable(['(c) memory of one supervisor', 'hexad', 's6 2.11.3.2', 'ratio'], [
      ['**PSS** (headline: shared pages counted once)', kb(h.mem.pssKb), s ? kb(s.mem.pssKb) : 'n/a', s ? ratio(h.mem.pssKb, s.mem.pssKb) : 'n/a'],
      ['RSS', kb(h.mem.rssKb), s ? kb(s.mem.rssKb) : 'n/a', s ? ratio(h.mem.rssKb, s.mem.rssKb) : 'n/a'],
      ['anonymous', kb(h.mem.anonKb), s ? kb(s.mem.anonKb) : 'n/a', s ? ratio(h.mem.anonKb, s.mem.anonKb) : 'n/a'],
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
