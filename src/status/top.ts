// The data and the screen of `hexad top`: every service of a scan directory read from disk
// (the s6 interface, so it works on any scanner, with or without --http) plus CPU and memory
// from /proc, rendered as lines of at most `cols` characters.
import { procUsage } from '../http/proc.js';
import { scanOverview, type ServiceView } from './collect.js';
import { duration } from './render.js';

export type SortKey = 'cpu' | 'mem' | 'name';

export interface TopRow {
  name: string;
  path: string;
  depth: number;
  view: ServiceView;
  cpuPct: number | null;
  rss: number | null;
}

/** Keeps the previous CPU readings to turn them into percentages. */
export class TopModel {
  private prev = new Map<number, { at: number; cpu: number }>();
  rows: TopRow[] = [];
  scandir = '';
  running = false;

  constructor(readonly dir: string) {}

  refresh(sort: SortKey): void {
    const o = scanOverview(this.dir);
    this.scandir = o.scandir;
    this.running = o.scanner.running;
    const now = performance.now();
    const next = new Map<number, { at: number; cpu: number }>();
    const row = (v: ServiceView, depth: number): TopRow => {
      let cpuPct: number | null = null, rss: number | null = null;
      if (v.pid && !v.hosted) {
        const u = procUsage(v.pid);
        if (u) {
          rss = u.rssBytes;
          const p = this.prev.get(v.pid);
          if (p && now > p.at) cpuPct = Math.max(0, ((u.cpuSeconds - p.cpu) / ((now - p.at) / 1000)) * 100);
          next.set(v.pid, { at: now, cpu: u.cpuSeconds });
        }
      }
      return { name: v.name, path: v.path, depth, view: v, cpuPct, rss };
    };
    const groups = o.services.map((v) => {
      const head = row(v, 0);
      const subs = [...(v.logger ? [row(v.logger, 1)] : []), ...(v.instances ?? []).map((i) => row(i, 1))];
      return { head, subs };
    });
    const key = (r: TopRow): number => (sort === 'cpu' ? r.cpuPct ?? -1 : r.rss ?? -1);
    if (sort !== 'name') groups.sort((a, b) => key(b.head) - key(a.head) || (a.head.name < b.head.name ? -1 : 1));
    this.rows = groups.flatMap((g) => [g.head, ...g.subs]);
    this.prev = next;
  }
}

function mem(n: number | null): string {
  if (n === null) return '-';
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)}G`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)}M`;
  return `${Math.round(n / 1024)}K`;
}

const COLS = ['SERVICE', 'STATE', 'PID', 'UPTIME', 'READY', 'DEATHS', 'LAST', 'CPU%', 'MEM'];

export function renderTop(m: TopModel, o: { sort: SortKey; selected: number; cols: number; rows: number; message: string; clock: string }): string[] {
  const body = m.rows.map((r) => {
    const v = r.view;
    const state = v.state === 'up' && v.paused ? 'paused' : v.state;
    const last = v.lastExit ? ('code' in v.lastExit ? `exit ${v.lastExit.code}` : v.lastExit.signal) : '-';
    return [`${'  '.repeat(r.depth)}${r.name}`, state + (v.state !== 'up' && !v.wantUp ? '*' : ''), v.pid === null ? '-' : String(v.pid),
      duration(v.seconds), v.state === 'up' && v.readiness ? (v.ready ? 'yes' : 'no') : '-', String(v.deaths), last,
      r.cpuPct === null ? '-' : r.cpuPct.toFixed(1), mem(r.rss)];
  });
  const widths = COLS.map((c, i) => Math.max(c.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i >= 7 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const fit = (s: string): string => (s.length > o.cols ? s.slice(0, o.cols) : s.padEnd(o.cols));
  const up = m.rows.filter((r) => r.depth === 0 && r.view.state === 'up').length;
  const total = m.rows.filter((r) => r.depth === 0).length;
  const lines = [
    fit(`hexad top  ${m.scandir}  ${m.running ? 'scanner running' : 'NO SCANNER'}  ${total} services, ${up} up  sort: ${o.sort}  ${o.clock}`),
    `\x1b[2m${fit(fmt(COLS))}\x1b[0m`,
  ];
  const room = Math.max(1, o.rows - 4);
  const start = Math.max(0, Math.min(o.selected - Math.floor(room / 2), body.length - room));
  body.slice(start, start + room).forEach((b, i) => {
    const line = fit(fmt(b));
    const idx = start + i;
    const v = m.rows[idx].view;
    const colour = v.state === 'up' ? 32 : v.state === 'finishing' ? 33 : v.wantUp && v.state === 'down' ? 31 : 2;
    lines.push(idx === o.selected ? `\x1b[7m${line}\x1b[0m` : `\x1b[${colour}m${line}\x1b[0m`);
  });
  while (lines.length < o.rows - 2) lines.push(fit(''));
  lines.push(fit(o.message));
  lines.push(`\x1b[2m${fit('q quit  ↑↓/jk select  s sort cpu/mem/name  r restart  d stop  u start  l log')}\x1b[0m`);
  return lines;
}
