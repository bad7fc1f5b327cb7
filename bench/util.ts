// Shared by the benchmarks: process memory, event timing, small process helpers.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FifodirListener, makeFifodir } from '../src/s6/fifodir.js';

export const HEXAD = fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
export const hasS6 = (): boolean => spawnSync('/usr/bin/s6-supervise', [], { stdio: 'ignore' }).status !== null;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Memory { rssKb: number; pssKb: number; anonKb: number }

/** Rss, Pss and Anonymous of one process, from /proc/PID/smaps_rollup. */
export function memoryOf(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: field('Rss'), pssKb: field('Pss'), anonKb: field('Anonymous') };
}

export function sumMemory(pids: number[]): Memory {
  const total = { rssKb: 0, pssKb: 0, anonKb: 0 };
  for (const pid of pids) {
    try {
      const m = memoryOf(pid);
      total.rssKb += m.rssKb;
      total.pssKb += m.pssKb;
      total.anonKb += m.anonKb;
    } catch { /* gone */ }
  }
  return total;
}

/** Direct children of `pid` whose command name is `comm`. */
export function childrenNamed(pid: number, comm: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid && name === comm) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}

/** Listens to the event/ fifodirs of many services (created first, as s6 would) and resolves
 * when every one of them has sent `byte`, with the time of the last one. */
export class EventClock {
  private readonly listeners: FifodirListener[] = [];
  private pending: number;
  private resolve: ((ms: number) => void) | null = null;
  readonly done: Promise<number>;

  constructor(dirs: string[], byte: string) {
    this.pending = dirs.length;
    this.done = new Promise((r) => { this.resolve = r; });
    for (const dir of dirs) {
      mkdirSync(dir, { recursive: true });
      makeFifodir(join(dir, 'event'), process.getegid!(), true);
      let seen = false;
      this.listeners.push(new FifodirListener(join(dir, 'event'), (bytes) => {
        if (seen || !bytes.includes(byte)) return;
        seen = true;
        if (--this.pending === 0) this.resolve!(performance.now());
      }));
    }
  }

  close(): void {
    for (const l of this.listeners) l.close();
  }
}

/** Runs a command to completion; resolves with its wall time in ms. */
export function timed(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
