// Processes as init sees them: programs run to completion through the addon's reaper (never
// child_process, whose children PID 1 must not reap behind libuv's back), and "every process
// left" at the end: all of the PID namespace when we are PID 1, our descendants otherwise.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnWatched } from '../supervise/reaper.js';
import { wstatExitCode, wstatSignal, wstatSignaled } from '../s6/status.js';

export interface Exit { wstat: number; code: number; signal: number }

export function exitOf(wstat: number): Exit {
  const signal = wstatSignaled(wstat) ? wstatSignal(wstat) : 0;
  return { wstat, signal, code: signal ? 128 + signal : wstatExitCode(wstat) };
}

export interface Running { pid: number; done: Promise<Exit> }

/** Starts `argv` (argv[0] looked up by the caller) with stdio given as fds 0, 1, 2. */
export function start(path: string, argv: string[], opts: { cwd: string; env: string[]; stdio: number[]; setsid?: boolean }): Running {
  let resolve!: (e: Exit) => void;
  const done = new Promise<Exit>((r) => { resolve = r; });
  const pid = spawnWatched(path, argv, opts.cwd, opts.stdio, (w) => resolve(exitOf(w)), opts.env, opts.setsid ?? false);
  return { pid, done };
}

/** Runs to completion; after `maxMs` (0: no limit) the program gets SIGTERM, then SIGKILL 1 s later. */
export async function runToEnd(path: string, argv: string[], opts: { cwd: string; env: string[]; stdio: number[]; maxMs?: number }): Promise<Exit & { timedOut: boolean }> {
  const r = start(path, argv, { ...opts, setsid: true });
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  if (opts.maxMs) {
    timers.push(setTimeout(() => {
      timedOut = true;
      signalGroup(r.pid, 'SIGTERM');
      timers.push(setTimeout(() => signalGroup(r.pid, 'SIGKILL'), 1000));
    }, opts.maxMs));
  }
  const e = await r.done;
  for (const t of timers) clearTimeout(t);
  return { ...e, timedOut };
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  if (pid <= 1) return;
  try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch { /* gone */ } }
}

interface Proc { pid: number; ppid: number; state: string }

function procs(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (d.charCodeAt(0) > 57) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'latin1');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(d), ppid: Number(f[1]), state: f[0] });
    } catch { /* gone */ }
  }
  return out;
}

/** Living processes init is responsible for, except `spare` (the catch-all logger). */
export function remaining(spare: Set<number> = new Set()): number[] {
  const all = procs();
  const me = process.pid;
  let mine: Proc[];
  if (me === 1) {
    mine = all.filter((p) => p.pid !== 1);
  } else {
    const want = new Set([me]);
    mine = [];
    for (let grew = true; grew;) {
      grew = false;
      for (const p of all) if (want.has(p.ppid) && !want.has(p.pid)) { want.add(p.pid); mine.push(p); grew = true; }
    }
  }
  return mine.filter((p) => p.state !== 'Z' && !spare.has(p.pid) && p.pid > 1 && p.pid !== me).map((p) => p.pid);
}

/** Sends `sig` to every remaining process (kill(-1) as PID 1 reaches the whole namespace). */
export function signalAll(sig: NodeJS.Signals, spare: Set<number> = new Set()): void {
  if (process.pid === 1 && spare.size === 0) {
    try { process.kill(-1, sig); } catch { /* nobody left */ }
    return;
  }
  for (const pid of remaining(spare)) {
    try { process.kill(pid, sig); } catch { /* gone */ }
  }
}
