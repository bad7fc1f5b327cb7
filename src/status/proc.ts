// CPU % and memory per service, read from /proc at request time: two reads of every process's
// stat ~100 ms apart, each service charged for its process and all its descendants. Nothing
// polls when nobody asks.
import { readdirSync, readFileSync } from 'node:fs';
import type { Overview, ServiceView } from './collect.js';

interface ProcSample { ppid: number; ticks: number; rssPages: number }

const PAGE = 4096;
const HZ = 100;

/** pid → (ppid, utime+stime, rss) for every process now. */
export function sampleProcs(): Map<number, ProcSample> {
  const out = new Map<number, ProcSample>();
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    let s: string;
    try {
      s = readFileSync(`/proc/${n}/stat`, 'latin1');
    } catch {
      continue;
    }
    // the command name is in parentheses and may hold spaces: fields start after the last ')'
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    out.set(Number(n), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) });
  }
  return out;
}

/** A process and all its descendants. */
export function treeOf(pid: number, procs: Map<number, ProcSample>): number[] {
  const kids = new Map<number, number[]>();
  for (const [p, s] of procs) {
    const l = kids.get(s.ppid);
    if (l) l.push(p);
    else kids.set(s.ppid, [p]);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    if (!procs.has(p)) continue;
    out.push(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}

export interface Usage { cpu: number; memory: number; pids: number }

/** Usage of each root pid's tree between two samples `ms` apart. */
export async function usageOf(pids: number[], ms = 100): Promise<Map<number, Usage>> {
  const a = sampleProcs();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const b = sampleProcs();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = new Map<number, Usage>();
  for (const pid of pids) {
    const tree = treeOf(pid, b);
    let ticks = 0, rss = 0;
    for (const p of tree) {
      const nb = b.get(p)!;
      ticks += nb.ticks - (a.get(p)?.ticks ?? nb.ticks);
      rss += nb.rssPages * PAGE;
    }
    out.set(pid, { cpu: Math.round((ticks / HZ / secs) * 1000) / 10, memory: rss, pids: tree.length });
  }
  return out;
}

function views(o: Overview): ServiceView[] {
  const out: ServiceView[] = [];
  const walk = (l: ServiceView[]): void => {
    for (const v of l) {
      out.push(v);
      if (v.logger) out.push(v.logger);
      if (v.instances) walk(v.instances);
    }
  };
  walk(o.services);
  return out;
}

/** Adds `cpu` (percent of one core) and `memory` (bytes of RSS) to every row with a pid. */
export async function addUsage(o: Overview, ms = 100): Promise<Overview> {
  const all = views(o);
  const usage = await usageOf(all.filter((v) => v.pid && !v.hosted).map((v) => v.pid!), ms);
  for (const v of all) {
    const u = v.pid && !v.hosted ? usage.get(v.pid) : undefined;
    v.cpu = u ? u.cpu : null;
    v.memory = u ? u.memory : null;
  }
  return o;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)}K`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)}M`;
  return `${(n / 1024 ** 3).toFixed(2)}G`;
}
