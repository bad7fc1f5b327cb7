// What the HTTP server knows of the tree, kept from the supervisors' own events as they happen
// (no file is read for it): per service the live state, restart count, last exit and the time
// of the last spawn. The hook on the hot path only updates a few fields and calls listeners.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { signalName } from '../s6/signals.js';
import { wstatExitCode, wstatSignal, wstatSignaled } from '../s6/status.js';
import { taiToUnixMs } from '../s6/tai.js';
import type { Scanner, ScannerObserver } from '../svscan/scanner.js';
import type { Supervisor } from '../supervise/supervisor.js';
import { procUsage } from './proc.js';

export type ServiceKind = 'longrun' | 'logger';
export type LastExit = { code: number } | { signal: string; signum: number } | null;

/** One supervised directory (a service or its logger) as the dashboard and the API show it. */
export interface LiveRow {
  /** the slot name: `web`, or `web/log` for its logger */
  name: string;
  /** the service it belongs to (`web` for both) */
  service: string;
  kind: ServiceKind;
  state: 'up' | 'down' | 'finishing';
  pid: number | null;
  /** unix ms of the last state change (s6's status stamp) */
  since: number;
  /** has a notification-fd */
  readiness: boolean;
  ready: boolean;
  wantUp: boolean;
  paused: boolean;
  restarts: number;
  lastExit: LastExit;
  cpu?: number;
  rss?: number;
}

/** What each s6 event byte means. */
export const EVENT_NAMES: Record<string, string> = {
  s: 'supervisor-start', u: 'up', U: 'ready', d: 'down', D: 'finished', O: 'once', x: 'supervisor-exit',
};

export interface HubEvent {
  seq: number;
  /** the slot name (`web`, `web/log`) */
  name: string;
  service: string;
  kind: ServiceKind;
  /** the s6 event byte */
  event: string;
  what: string;
  /** unix ms */
  time: number;
}

export interface HubListener {
  /** called synchronously for every event byte; keep it cheap */
  (e: HubEvent, hub: ServiceHub): void;
}

interface Tracked {
  name: string;
  service: string;
  kind: ServiceKind;
  sup: Supervisor | null;
  starts: number;
  /** performance.now() of the last spawn not yet followed by readiness; 0 = none */
  spawnAt: number;
  lastExit: LastExit;
  readiness: boolean | null;
  instanced: boolean | null;
}

export class ServiceHub implements ScannerObserver {
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Set<HubListener>();
  private seq = 0;
  private scanner: Scanner | null = null;

  /** The scan directory (absolute): the scanner's cwd. */
  constructor(readonly scandir: string) {}

  attach(scanner: Scanner): void {
    this.scanner = scanner;
    for (const s of scanner.supervisors()) this.track(s.name, s.isLogger, s.sup);
    scanner.observer = this;
  }

  detach(): void {
    if (this.scanner?.observer === this) this.scanner.observer = null;
    this.scanner = null;
  }

  listen(l: HubListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private track(name: string, isLogger: boolean, sup: Supervisor): Tracked {
    let t = this.tracked.get(name);
    if (!t) {
      const service = isLogger ? name.slice(0, name.lastIndexOf('/')) : name;
      t = { name, service, kind: isLogger ? 'logger' : 'longrun', sup, starts: 0, spawnAt: 0, lastExit: null, readiness: null, instanced: null };
      this.tracked.set(name, t);
    }
    t.sup = sup;
    return t;
  }

  // ScannerObserver: the hot path
  event(name: string, isLogger: boolean, sup: Supervisor, events: string): void {
    const t = this.tracked.get(name) ?? this.track(name, isLogger, sup);
    if (t.sup !== sup) t.sup = sup;
    const time = Date.now();
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      if (ev === 'u') {
        t.starts++;
        t.spawnAt = performance.now();
      } else if (ev === 'd') {
        const w = sup.status.wstat;
        t.lastExit = wstatSignaled(w) ? { signal: signalName(wstatSignal(w)), signum: wstatSignal(w) } : { code: wstatExitCode(w) };
      } else if (ev === 'x') {
        if (this.tracked.get(name) === t) this.tracked.delete(name);
        t.sup = null;
      }
      if (!this.listeners.size) continue;
      const e: HubEvent = { seq: ++this.seq, name, service: t.service, kind: t.kind, event: ev, what: EVENT_NAMES[ev] ?? ev, time };
      for (const l of this.listeners) {
        try {
          l(e, this);
        } catch { /* an observer's bug must not reach the supervisor */ }
      }
      if (ev === 'U') t.spawnAt = 0;
    }
  }

  /** Seconds from the last spawn to now, while the service has not yet said it is ready. */
  readyLatency(name: string): number | null {
    const t = this.tracked.get(name);
    return t && t.spawnAt ? (performance.now() - t.spawnAt) / 1000 : null;
  }

  get size(): number {
    return this.tracked.size;
  }

  names(): string[] {
    return [...this.tracked.keys()];
  }

  /** The live row of one slot; null when it is not supervised here. */
  row(name: string, usage = false): LiveRow | null {
    const t = this.tracked.get(name);
    if (!t || !t.sup) return null;
    const sup = t.sup;
    const s = sup.status;
    if (t.readiness === null) t.readiness = existsSync(join(sup.dir, 'notification-fd'));
    const up = s.pid !== 0 && !s.finishing;
    const row: LiveRow = {
      name, service: t.service, kind: t.kind,
      state: up ? 'up' : s.finishing ? 'finishing' : 'down',
      pid: up ? s.pid : null,
      since: Math.round(taiToUnixMs(s.stamp)),
      readiness: t.readiness,
      ready: up && s.ready,
      wantUp: s.wantUp,
      paused: up && s.paused,
      restarts: Math.max(0, t.starts - 1),
      lastExit: t.lastExit,
    };
    if (usage && up && s.pid !== process.pid) { // a hosted logger: the scanner's pid
      const u = procUsage(s.pid);
      if (u) {
        row.cpu = u.cpuSeconds;
        row.rss = u.rssBytes;
      }
    }
    return row;
  }

  rows(usage = false): LiveRow[] {
    const out: LiveRow[] = [];
    for (const name of this.tracked.keys()) {
      const r = this.row(name, usage);
      if (r) out.push(r);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The in-process supervisor of a slot (for actions). */
  supervisor(name: string): Supervisor | null {
    return this.tracked.get(name)?.sup ?? null;
  }

  /** Whether a service has a nested instance scan directory (checked once). */
  instanced(name: string): boolean {
    const t = this.tracked.get(name);
    if (!t || !t.sup || t.kind !== 'longrun') return false;
    if (t.instanced === null) t.instanced = existsSync(join(t.sup.dir, 'instance', '.s6-svscan'));
    return t.instanced;
  }

  /** Calls `fn` for every tracked slot's raw data (metrics read this at scrape time). */
  forEach(fn: (name: string, service: string, kind: ServiceKind, sup: Supervisor, restarts: number, lastExit: LastExit) => void): void {
    for (const t of this.tracked.values()) if (t.sup) fn(t.name, t.service, t.kind, t.sup, Math.max(0, t.starts - 1), t.lastExit);
  }
}
