// `npm run bench -- startup`: what one command costs, start to exit, beside bare `node -e 0`
// on the same Node and beside Debian's s6 tool of the same name, run alternately (one of each
// per round, the order swapped every round), medians of HEXAD_BENCH_STARTUP_RUNS (default 30).
// Every command acts on a live tree under `hexad svscan`: a service, an instanced service, an
// rc live state, an einhorn master. NODE_EXTRA_CA_CERTS is removed from the environment (Node
// 20 reads that file at every start, which would hide what hexad itself costs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLocked } from '../src/s6/lockfile.js';
import { readStatus } from '../src/s6/status.js';
import { alternate, median, ms, printTable, RATIO_NOTE, ratio } from './table.js';
import { HEXAD, sleep, tempDir } from './util.js';

const RUNS = Number(process.env.HEXAD_BENCH_STARTUP_RUNS ?? 30);
// another build's bin/hexad.js (an older checkout), for before/after figures
const BIN = process.env.HEXAD_BENCH_BIN ?? HEXAD;
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

function wall(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env });
  const t = performance.now() - t0;
  if (r.error) throw r.error;
  return t;
}

function must(args: string[]): void {
  const r = spawnSync(process.execPath, [HEXAD, ...args], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`bench: hexad ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    try { if (cond()) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(10);
  }
}

function exe(path: string, body: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

interface Row { label: string; hexad: string[]; s6?: string[] }

export default async function main(): Promise<void> {
  const root = tempDir('hexad-bench-startup-');
  const children: ChildProcess[] = [];
  try {
    const scan = join(root, 'scan');
    exe(join(scan, 'a', 'run'), 'exec sleep 100000');
    exe(join(root, 'tpl', 'run'), 'exec sleep 100000');
    must(['instance-maker', join(root, 'tpl'), join(scan, 'inst')]);
    const svscan = spawn(process.execPath, [HEXAD, 'svscan', scan], { stdio: 'ignore', detached: true, env });
    children.push(svscan);
    const a = join(scan, 'a');
    const inst = join(scan, 'inst');
    await until('service a', () => readStatus(a).pid > 0);
    await until('the instanced service', () => isLocked(join(inst, 'instance', '.s6-svscan', 'lock')));
    must(['instance-create', inst, 'one']);
    // rc: a longrun and a oneshot, live on the same scanner
    const src = join(root, 'rc-src');
    exe(join(src, 'lr', 'run'), 'exec sleep 100000');
    writeFileSync(join(src, 'lr', 'type'), 'longrun\n');
    mkdirSync(join(src, 'os'), { recursive: true });
    writeFileSync(join(src, 'os', 'type'), 'oneshot\n');
    writeFileSync(join(src, 'os', 'up'), 'true\n');
    const live = join(root, 'live');
    must(['rc-compile', join(root, 'compiled'), src]);
    must(['rc-init', '-c', join(root, 'compiled'), '-l', live, scan]);
    must(['rc', '-l', live, '-u', 'change', 'lr', 'os']);
    // einhorn: a master with one worker, its control socket
    const sock = join(root, 'einhorn.sock');
    const einhorn = spawn(process.execPath, [HEXAD, 'einhorn', '-d', sock, '-f', join(root, 'einhorn.lock'), '-n', '1', '--', 'sleep', '100000'], { stdio: 'ignore', detached: true, env });
    children.push(einhorn);
    await until('einhorn control socket', () => existsSync(sock));
    await sleep(500);

    const queries: Row[] = [
      { label: 'svc -a (send a command)', hexad: ['svc', '-a', a], s6: ['s6-svc', '-a', a] },
      { label: 'svstat', hexad: ['svstat', a], s6: ['s6-svstat', a] },
      { label: 'svok', hexad: ['svok', a], s6: ['s6-svok', a] },
      { label: 'svwait -u (already up)', hexad: ['svwait', '-u', a], s6: ['s6-svwait', '-u', a] },
      { label: 'svscanctl -a', hexad: ['svscanctl', '-a', scan], s6: ['s6-svscanctl', '-a', scan] },
      { label: 'instance-status', hexad: ['instance-status', inst, 'one'], s6: ['s6-instance-status', inst, 'one'] },
      { label: 'rc list', hexad: ['rc', '-l', live, '-a', 'list'] },
      { label: 'einhornsh -e state', hexad: ['einhornsh', '-d', sock, '-e', 'state'] },
      { label: '--version (no addon, no work)', hexad: ['--version'] },
    ];
    const working: Row[] = [
      { label: 'rc change (a oneshot down, then up)', hexad: ['rc', '-l', live, '-d', 'change', 'os'] },
      { label: 'instance-create + instance-delete', hexad: ['instance-create', inst, 'two'] },
    ];
    process.stdout.write(`Wall time of one command, start to exit, in ms: medians of ${RUNS} alternated runs (node -e 0, hexad, s6 in turn); ${RATIO_NOTE}. Node ${process.version}; ${BIN}.\n\n`);
    const rows: string[][] = [];
    for (const q of queries) {
      const sides = q.s6 && existsSync(`/usr/bin/${q.s6[0]}`) ? (['node', 'hexad', 's6'] as const) : (['node', 'hexad'] as const);
      const r = await alternate(RUNS, sides as readonly ('node' | 'hexad' | 's6')[], (side) => side === 'node'
        ? wall(process.execPath, ['-e', '0'])
        : side === 'hexad' ? wall(process.execPath, [BIN, ...q.hexad]) : wall(`/usr/bin/${q.s6![0]}`, q.s6!.slice(1)));
      const n = median(r.node), h = median(r.hexad), s = r.s6?.length ? median(r.s6) : null;
      rows.push([`hexad ${q.label}`, ms(n), ms(h), ratio(h, n), s === null ? 'n/a' : ms(s), s === null ? 'n/a' : ratio(h, s)]);
    }
    printTable(['command (queries and control)', 'node -e 0', 'hexad', 'hexad / node', 's6', 'hexad / s6'], rows);

    process.stdout.write('\nCommands that do work (the second command of each pair undoes the first and is timed too):\n\n');
    const wrows: string[][] = [];
    for (const q of working) {
      const undo = q.hexad[0] === 'rc' ? ['rc', '-l', live, '-u', 'change', 'os'] : ['instance-delete', inst, 'two'];
      const undoTimes: number[] = [];
      const r = await alternate(RUNS, ['node', 'hexad'] as const, (side) => {
        if (side === 'node') return wall(process.execPath, ['-e', '0']);
        const t = wall(process.execPath, [BIN, ...q.hexad]);
        undoTimes.push(wall(process.execPath, [BIN, ...undo]));
        return t;
      });
      const n = median(r.node), h = median(r.hexad);
      wrows.push([`hexad ${q.label}`, ms(n), ms(h), ratio(h, n), ms(median(undoTimes))]);
    }
    printTable(['command', 'node -e 0', 'hexad (first of the pair)', 'hexad / node', 'hexad (the undo)'], wrows);
  } finally {
    for (const c of children) {
      try { process.kill(-c.pid!, 'SIGTERM'); } catch { /* gone */ }
    }
    await sleep(500);
    for (const c of children) {
      try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ }
    }
    rmSync(root, { recursive: true, force: true });
  }
}
