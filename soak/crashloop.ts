// (c) 200 services, 20 of them crash-looping, for a bounded time: the supervision processes'
// RSS, open fds and CPU sampled at intervals (hexad: the scanner; s6: s6-svscan and every
// s6-supervise, summed). Both trees run at the same time so that load affects them alike.
import { join } from 'node:path';
import { cpuSeconds, descendants, fdCount, rssKb, snapshot } from './proc.js';
import type { Options, Row } from './report.js';
import { hasS6, put, sleep, tempRoot, Tree, until, type Impl } from './tree.js';

interface Sample { t: number; rssKb: number; fds: number; cpu: number; procs: number }

function supervisionPids(tree: Tree): number[] {
  if (tree.impl === 'hexad') return [tree.pid];
  return [tree.pid, ...descendants(tree.pid).filter((p) => p.comm === 's6-supervise').map((p) => p.pid)];
}

function sample(tree: Tree, t0: number): Sample {
  const pids = supervisionPids(tree);
  let rss = 0;
  let fds = 0;
  for (const p of pids) {
    rss += Math.max(0, rssKb(p));
    fds += Math.max(0, fdCount(p));
  }
  return { t: (Date.now() - t0) / 1000, rssKb: rss, fds, cpu: cpuSeconds(pids), procs: pids.length };
}

function build(tree: Tree): void {
  for (let i = 0; i < 180; i++) put(join(tree.scan, `s${i}`, 'run'), '#!/bin/sh\nexec sleep 100000\n');
  for (let i = 0; i < 20; i++) put(join(tree.scan, `c${i}`, 'run'), '#!/bin/sh\nsleep 0.2\nexit 1\n');
}

const sleepers = (tree: Tree): number => descendants(tree.pid, snapshot()).filter((p) => p.comm === 'sleep').length;

export default async function crashloop(o: Options): Promise<Row[]> {
  const duration = (o.quick ? 30_000 : 180_000) * o.scale;
  const every = o.quick ? 5_000 : 30_000;
  const impls: Impl[] = hasS6() ? ['hexad', 's6'] : ['hexad'];
  const trees = impls.map((impl) => new Tree(impl, tempRoot('crash'), ['-c', '400']));
  try {
    for (const t of trees) {
      build(t);
      t.start();
    }
    for (const t of trees) await until(() => sleepers(t) >= 180, 120_000, 500);
    await sleep(5000); // past the bring-up
    const t0 = Date.now();
    const samples = trees.map((t) => [sample(t, t0)]);
    while (Date.now() - t0 < duration) {
      await sleep(Math.min(every, duration - (Date.now() - t0)));
      trees.forEach((t, i) => samples[i].push(sample(t, t0)));
      process.stderr.write(`soak: crashloop ${trees.map((t, i) => {
        const s = samples[i].at(-1)!;
        return `${t.impl} t=${s.t.toFixed(0)}s rss=${(s.rssKb / 1024).toFixed(1)}MB fds=${s.fds} cpu=${s.cpu.toFixed(2)}s`;
      }).join(' | ')}\n`);
    }
    return trees.map((t, i) => {
      const s = samples[i];
      const a = s[0];
      const z = s.at(-1)!;
      const mb = (kb: number): string => (kb / 1024).toFixed(1);
      const rssGrowth = (z.rssKb - a.rssKb) / Math.max(1, a.rssKb);
      const maxRss = Math.max(...s.map((x) => x.rssKb));
      const cpu = z.cpu - a.cpu;
      const zombies = descendants(t.pid).filter((p) => p.state === 'Z').length;
      const other = [`${z.t.toFixed(0)} s, ${s.length} samples, ${a.procs} supervision process(es)`,
        `RSS ${mb(a.rssKb)} -> ${mb(z.rssKb)} MB (max ${mb(maxRss)}, ${(rssGrowth * 100).toFixed(0)}%)`,
        `fds ${a.fds} -> ${z.fds}`, `CPU ${cpu.toFixed(2)} s (${(cpu / (z.t / 60)).toFixed(2)} s/min)`].join(', ');
      return { scenario: 'c. 200 services, 20 crash-looping', impl: t.impl, lost: '-', doubled: '-', zombies, other,
        ok: z.fds - a.fds <= 5 && rssGrowth < 0.3 && zombies === 0 };
    });
  } finally {
    for (const t of trees) await t.destroy(process.env.HEXAD_SOAK_KEEP === '1');
  }
}
