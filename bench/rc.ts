// `npm run bench -- rc`: wall time of `hexad rc -u change` and `hexad rc -da change`, from
// all-down and from all-up, for the three graphs of issue 5, beside the s6-rc 0.5.4.1 medians
// measured on this machine class (s6-rc §11.5; Debian has no s6-rc to run here).
//   (a) 100 longruns in 10 layers of 10, each depending on all of the previous layer, readiness
//   (b) 100 independent oneshots (`true`), the oneshot runner included
//   (c) a chain of 100 longruns with readiness
// Each run is a whole `hexad rc` process (Node start-up included), as s6-rc was timed.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync,
  constants as C } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { median, ms, printTable, ratio } from './table.js';

const HEXAD = fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
const RUNS = Number(process.env.RC_BENCH_RUNS ?? 10);

type Defs = Record<string, Record<string, string>>;

const READY_RUN = '#!/bin/sh\necho >&3\nexec sleep 100000 3>&-\n';

function layered(): Defs {
  const d: Defs = {};
  for (let l = 0; l < 10; l++) {
    for (let k = 0; k < 10; k++) {
      const files: Record<string, string> = { type: 'longrun\n', run: READY_RUN, 'notification-fd': '3\n' };
      if (l) for (let j = 0; j < 10; j++) files[`dependencies.d/l${l - 1}-${j}`] = '';
      d[`l${l}-${k}`] = files;
    }
  }
  d.all = bundleOf(Object.keys(d));
  return d;
}

function oneshots(): Defs {
  const d: Defs = {};
  for (let k = 0; k < 100; k++) d[`o${String(k).padStart(3, '0')}`] = { type: 'oneshot\n', up: 'true\n' };
  d.all = bundleOf(Object.keys(d));
  return d;
}

function chain(): Defs {
  const d: Defs = {};
  for (let k = 0; k < 100; k++) {
    const files: Record<string, string> = { type: 'longrun\n', run: READY_RUN, 'notification-fd': '3\n' };
    if (k) files[`dependencies.d/c${String(k - 1).padStart(3, '0')}`] = '';
    d[`c${String(k).padStart(3, '0')}`] = files;
  }
  d.all = bundleOf(Object.keys(d));
  return d;
}

function bundleOf(names: string[]): Record<string, string> {
  const b: Record<string, string> = { type: 'bundle\n' };
  for (const n of names) b[`contents.d/${n}`] = '';
  return b;
}

function writeDefs(dir: string, defs: Defs): void {
  for (const [name, files] of Object.entries(defs)) {
    for (const [f, content] of Object.entries(files)) {
      const p = join(dir, name, f);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, content);
      if (f === 'run') chmodSync(p, 0o755);
    }
  }
}

function hexad(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(process.execPath, [HEXAD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr!.setEncoding('utf8').on('data', (d) => { stderr += d; });
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stderr, ms: performance.now() - t0 }));
  });
}

async function until(what: string, cond: () => boolean, limit = 20_000): Promise<void> {
  const end = Date.now() + limit;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function controlOpen(scandir: string): boolean {
  try {
    closeSync(openSync(join(scandir, '.s6-svscan', 'control'), C.O_WRONLY | C.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

interface Result { up: number[]; down: number[] }

async function scenario(scanner: 'hexad' | 's6', defs: Defs): Promise<Result> {
  const root = mkdtempSync(join(tmpdir(), 'hexad-bench-rc-'));
  const scandir = join(root, 'scandir');
  mkdirSync(scandir);
  let svscan: ChildProcess | null = null;
  try {
    svscan = scanner === 'hexad'
      ? spawn(process.execPath, [HEXAD, 'svscan', scandir], { stdio: 'ignore', detached: true })
      : spawn('/usr/bin/s6-svscan', ['-t0', scandir], { stdio: 'ignore', detached: true });
    await until('the scanner', () => controlOpen(scandir));
    writeDefs(join(root, 'src'), defs);
    const compiled = join(root, 'compiled');
    const live = join(root, 'live');
    for (const args of [['rc-compile', compiled, join(root, 'src')], ['rc-init', '-c', compiled, '-l', live, scandir]]) {
      const r = await hexad(args);
      if (r.code !== 0) throw new Error(`bench: ${args[0]} failed: ${r.stderr}`);
    }
    const res: Result = { up: [], down: [] };
    for (let k = 0; k < RUNS + 1; k++) {
      const up = await hexad(['rc', '-l', live, '-u', 'change', 'all']);
      if (up.code !== 0) throw new Error(`bench: rc -u change failed: ${up.stderr}`);
      const down = await hexad(['rc', '-l', live, '-da', 'change']);
      if (down.code !== 0) throw new Error(`bench: rc -da change failed: ${down.stderr}`);
      if (k === 0) continue; // warm-up: page cache, first supervisor start-ups
      res.up.push(up.ms);
      res.down.push(down.ms);
    }
    return res;
  } finally {
    if (svscan?.pid) {
      try {
        process.kill(svscan.pid, 'SIGTERM');
      } catch { /* gone */ }
      await new Promise((r) => (svscan!.exitCode !== null ? r(null) : svscan!.once('exit', r)));
      try {
        process.kill(-svscan.pid, 'SIGKILL');
      } catch { /* group gone */ }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<void> {
  const cases: Array<[string, () => Defs, number, number | null, boolean]> = [
    ['(a) 100 longruns, 10 layers of 10, readiness', layered, 350, 306, true],
    ['(b) 100 independent oneshots', oneshots, 300, null, false],
    ['(c) chain of 100 longruns, readiness', chain, 740, null, true],
  ];
  const rows: (string | number)[][] = [];
  const s6 = existsSync('/usr/bin/s6-svscan');
  for (const [name, defs, refUp, refDown, longruns] of cases) {
    const h = await scenario('hexad', defs());
    rows.push([name, 'hexad svscan', ms(median(h.up)), ms(refUp), ratio(median(h.up), refUp), ms(median(h.down)), refDown === null ? 'n/a' : ms(refDown)]);
    if (longruns && s6) {
      const d = await scenario('s6', defs());
      rows.push([name, 'Debian s6-svscan', ms(median(d.up)), ms(refUp), ratio(median(d.up), refUp), ms(median(d.down)), refDown === null ? 'n/a' : ms(refDown)]);
    }
  }
  process.stdout.write(`medians of ${RUNS} runs (ms), each a whole \`hexad rc\` process; s6-rc 0.5.4.1 reference medians from s6-rc §11.5\n\n`);
  printTable(['graph', 'supervision tree', 'hexad rc -u change', 's6-rc -u change', 'hexad / s6-rc', 'hexad rc -da change', 's6-rc -da change'], rows);
}
