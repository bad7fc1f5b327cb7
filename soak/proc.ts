// Process-table helpers for the soak: a snapshot of /proc, descendants of a pid, zombies,
// markers found in argv or environment, CPU and fd counts.
import { readdirSync, readFileSync } from 'node:fs';

export interface Proc { pid: number; ppid: number; state: string; comm: string; utime: number; stime: number }

const TICKS = 100; // USER_HZ on Linux

export function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    return { pid, ppid: Number(f[1]), state: f[0], comm, utime: Number(f[11]), stime: Number(f[12]) };
  } catch {
    return null;
  }
}

export function snapshot(): Proc[] {
  const out: Proc[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const r = readProc(Number(p));
    if (r) out.push(r);
  }
  return out;
}

/** Every process below `root` (not root itself), from one snapshot. */
export function descendants(root: number, procs: Proc[] = snapshot()): Proc[] {
  const kids = new Map<number, Proc[]>();
  for (const p of procs) {
    const l = kids.get(p.ppid);
    if (l) l.push(p); else kids.set(p.ppid, [p]);
  }
  const out: Proc[] = [];
  const stack = [root];
  while (stack.length) {
    for (const c of kids.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter((s) => s.length);
  } catch {
    return [];
  }
}

export function environ(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  } catch {
    return [];
  }
}

/** Live (non-zombie) processes anywhere on the machine whose environment has NAME=VALUE with
 * VALUE starting with `prefix`; returns VALUE -> pids. */
export function byEnvMarker(name: string, prefix: string, procs: Proc[] = snapshot()): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const key = `${name}=`;
  for (const p of procs) {
    if (p.state === 'Z') continue;
    for (const e of environ(p.pid)) {
      if (e.startsWith(key) && e.slice(key.length).startsWith(prefix)) {
        const v = e.slice(key.length);
        const l = out.get(v);
        if (l) l.push(p.pid); else out.set(v, [p.pid]);
        break;
      }
    }
  }
  return out;
}

/** Live processes whose argv contains a string that includes `needle`. */
export function byArgv(needle: string, procs: Proc[] = snapshot()): Proc[] {
  return procs.filter((p) => p.state !== 'Z' && cmdline(p.pid).some((a) => a.includes(needle)));
}

export function cpuSeconds(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    const p = readProc(pid);
    if (p) t += (p.utime + p.stime) / TICKS;
  }
  return t;
}

export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

export function rssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? -1);
  } catch {
    return -1;
  }
}

/** SIGKILL every pid (> 1 only), ignoring the ones already gone. */
export function killAll(pids: number[], sig: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of pids) {
    if (!(pid > 1) || pid === process.pid) continue;
    try {
      process.kill(pid, sig);
    } catch { /* gone */ }
  }
}

/** SOAK_TREE and SOAK_SVC of every live process, from one read of each environment. */
export function soakMarks(procs: Proc[] = snapshot()): Map<number, { tree: string; svc: string }> {
  const out = new Map<number, { tree: string; svc: string }>();
  for (const p of procs) {
    if (p.state === 'Z') continue;
    let tree = '';
    let svc = '';
    for (const e of environ(p.pid)) {
      if (e.startsWith('SOAK_TREE=')) tree = e.slice(10);
      else if (e.startsWith('SOAK_SVC=')) svc = e.slice(9);
    }
    if (tree || svc) out.set(p.pid, { tree, svc });
  }
  return out;
}
