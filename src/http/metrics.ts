// GET /metrics: the Prometheus text format through prom-client. Every value is taken when the
// scrape comes (the supervisors' in-memory state, /proc for CPU and memory), except the ready
// latency histogram, which is observed as readiness happens.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { rcStatus } from '../rc/status.js';
import { readStatus, wstatExitCode, wstatSignal, wstatSignaled } from '../s6/status.js';
import { taiNow, secondsSince } from '../s6/tai.js';
import type { HubEvent, ServiceHub } from './hub.js';
import { ProcStatReader } from './proc.js';
import { readWorkersFile } from '../einhorn/in-tree.js';
import { RcTransitionMetrics } from './rc-metrics.js';
import { SeriesSet, type Family, type Slot } from './series.js';

/** What an in-process logger exposes for the metrics (loggers moved into the scanner keep
 * these counts; a logger running as its own process has none to give). */
export interface LoggerCounters { bytesWritten: number; linesWritten: number; linesDropped: number }

/** A scanner (or anything) that can list its in-process loggers' counters. */
export interface LoggerCounterSource {
  loggerCounters(): Iterable<{ service: string; counters: LoggerCounters }>;
}

export function isLoggerCounterSource(x: unknown): x is LoggerCounterSource {
  return !!x && typeof (x as { loggerCounters?: unknown }).loggerCounters === 'function';
}

const LABELS = ['service', 'instance', 'kind'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

export const READY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Metrics {
  readonly registry = new Registry();
  /** the unlabelled and rc families: prom-client's own, reset and filled each scrape */
  private readonly gauges: Array<Gauge | Counter> = [];
  /** the families labelled per service, logger or instance: their series outlive a scrape */
  private readonly series: SeriesSet;
  private readonly proc = new ProcStatReader();
  private readonly up: Family; private readonly ready: Family; private readonly wantedUp: Family; private readonly restarts: Family;
  private readonly exitCode: Family; private readonly lastSignal: Family; private readonly uptime: Family; private readonly cpu: Family; private readonly rss: Family;
  private readonly readyLatency: Histogram;
  private readonly rcUp; private readonly logBytes: Family; private readonly logLines: Family; private readonly logDropped: Family;
  private readonly scannerCpu; private readonly scannerRss; private readonly scannerHeap; private readonly scannerStart;
  private readonly supervisors; private readonly sseClients;
  private readonly ehWorkers: Family; private readonly ehAcked: Family; private readonly ehVersion: Family;
  private readonly unlisten: () => void;
  private readonly rcTransitions: RcTransitionMetrics;

  constructor(private readonly hub: ServiceHub, private readonly loggers: LoggerCounterSource | null, private readonly sseCount: () => number = () => 0) {
    const reg = this.registry;
    const series = this.series = new SeriesSet(reg);
    const g = (name: string, help: string, labelNames: readonly string[]): Gauge => {
      const m = new Gauge({ name, help, labelNames, registers: [reg] });
      this.gauges.push(m);
      return m;
    };
    const c = (name: string, help: string): Counter => {
      const m = new Counter({ name, help, registers: [reg] });
      this.gauges.push(m);
      return m;
    };
    // registered in the order they are written: a family made here, a prom-client one between
    this.up = series.family('hexad_service_up', '1 when the service\'s run process is up', 'gauge');
    this.ready = series.family('hexad_service_ready', '1 when the service is up and has reported readiness', 'gauge');
    this.wantedUp = series.family('hexad_service_wanted_up', '1 when the supervisor wants the service up', 'gauge');
    this.restarts = series.family('hexad_service_restarts_total', 'times run was started again since its supervisor started', 'counter');
    this.exitCode = series.family('hexad_service_last_exit_code', 'exit code of the last run that exited normally (absent until one exits, or when killed by a signal)', 'gauge');
    this.lastSignal = series.family('hexad_service_last_signal', 'signal number that killed the last run; 0 when it exited normally', 'gauge');
    this.uptime = series.family('hexad_service_uptime_seconds', 'seconds since the service came up; 0 when down', 'gauge');
    this.readyLatency = new Histogram({ name: 'hexad_service_ready_latency_seconds', help: 'time from spawning run to its readiness notification', labelNames: LABELS, buckets: READY_BUCKETS, registers: [reg] });
    this.cpu = series.family('hexad_service_cpu_seconds_total', 'user + system CPU seconds of the service\'s process (from /proc at scrape time)', 'counter');
    this.rss = series.family('hexad_service_memory_rss_bytes', 'resident memory of the service\'s process (from /proc at scrape time)', 'gauge');
    this.rcUp = g('hexad_rc_service_up', 'the s6-rc live state of an atomic rc service (1 up, 0 down)', ['service', 'instance', 'kind', 'live']);
    this.logBytes = series.family('hexad_logger_bytes_total', 'bytes an in-process logger wrote', 'counter');
    this.logLines = series.family('hexad_logger_lines_total', 'lines an in-process logger wrote', 'counter');
    this.logDropped = series.family('hexad_logger_lines_dropped_total', 'lines an in-process logger dropped (must stay 0)', 'counter');
    this.scannerCpu = c('hexad_scanner_cpu_seconds_total', 'user + system CPU seconds of the scanner process');
    this.scannerRss = g('hexad_scanner_memory_rss_bytes', 'resident memory of the scanner process', []);
    this.scannerHeap = g('hexad_scanner_heap_used_bytes', 'V8 heap in use in the scanner process', []);
    // set once, so kept out of the gauges reset at each scrape
    this.scannerStart = new Gauge({ name: 'hexad_scanner_start_time_seconds', help: 'unix time the scanner process started', registers: [reg] });
    this.supervisors = g('hexad_scanner_supervisors', 'supervisors running in the scanner (services and loggers)', []);
    this.sseClients = g('hexad_http_event_clients', 'clients connected to /api/events', []);
    // an einhorn master run as a service publishes its workers in supervise/hexad-einhorn.json
    this.ehWorkers = series.family('hexad_einhorn_workers', 'workers of an einhorn master service (any version, stopping included)', 'gauge');
    this.ehAcked = series.family('hexad_einhorn_workers_acked', 'workers of the current version that have ACKed', 'gauge');
    this.ehVersion = series.family('hexad_einhorn_version', 'the master\'s current version: the number of upgrades since it started', 'gauge');
    this.rcTransitions = new RcTransitionMetrics(reg);
    this.scannerStart.set(Math.round(Date.now() / 1000 - process.uptime()));
    this.unlisten = hub.listen((e) => this.onEvent(e));
  }

  close(): void {
    this.unlisten();
    this.proc.close();
  }

  private labels(service: string, kind: string, instance = ''): Labels {
    return { service, instance, kind };
  }

  private onEvent(e: HubEvent): void {
    if (e.event === 'U') {
      const s = this.hub.readyLatency(e.name);
      if (s !== null) this.readyLatency.observe(this.labels(e.service, e.kind), s);
    } else if (e.event === 'x') {
      try {
        this.readyLatency.remove(this.labels(e.service, e.kind));
      } catch { /* never observed */ }
    }
  }

  /** Fills every series from the state of this instant; then the text. */
  async scrape(): Promise<string> {
    this.update();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  update(): void {
    for (const m of this.gauges) m.reset();
    this.series.begin();
    this.proc.begin();
    const now = taiNow();
    this.hub.forEach((name, service, kind, sup, restarts, lastExit) => {
      const l = this.series.slot(service, kind);
      const s = sup.status;
      const up = s.pid !== 0 && !s.finishing;
      this.up.set(l, up ? 1 : 0);
      this.ready.set(l, up && s.ready ? 1 : 0);
      this.wantedUp.set(l, s.wantUp ? 1 : 0);
      this.restarts.set(l, restarts);
      if (lastExit) {
        if ('code' in lastExit) {
          this.exitCode.set(l, lastExit.code);
          this.lastSignal.set(l, 0);
        } else this.lastSignal.set(l, lastExit.signum);
      }
      this.uptime.set(l, up ? secondsSince(s.stamp, now) : 0);
      if (up && s.pid !== process.pid) { // a hosted logger's pid is the scanner's own
        this.usage(l, s.pid);
        if (kind === 'longrun') this.einhorn(l, sup.dir, s.pid);
      }
      if (kind === 'longrun' && this.hub.instanced(name)) this.instances(service, join(sup.dir, 'instance'), now);
    });
    this.rc();
    if (this.loggers) {
      for (const { service, counters } of this.loggers.loggerCounters()) {
        const l = this.series.slot(service, 'logger');
        this.logBytes.set(l, counters.bytesWritten);
        this.logLines.set(l, counters.linesWritten);
        this.logDropped.set(l, counters.linesDropped);
      }
    }
    this.series.end();
    const self = this.proc.usage(process.pid);
    this.proc.end();
    if (self) {
      this.scannerCpu.inc(self.cpuSeconds);
      this.scannerRss.set(self.rssBytes);
    }
    this.scannerHeap.set(process.memoryUsage().heapUsed);
    this.supervisors.set(this.hub.size);
    this.sseClients.set(this.sseCount());
  }

  private usage(l: Slot, pid: number): void {
    const u = this.proc.usage(pid);
    if (!u) return;
    this.cpu.set(l, u.cpuSeconds);
    this.rss.set(l, u.rssBytes);
  }

  private einhorn(l: Slot, dir: string, pid: number): void {
    const doc = readWorkersFile(dir, pid);
    if (!doc) return;
    this.ehWorkers.set(l, doc.workers.length);
    this.ehAcked.set(l, doc.workers.filter((w) => w.acked && w.version === doc.version && !w.stopping).length);
    this.ehVersion.set(l, doc.version);
  }

  /** An instanced service's instances run under a nested scanner (another process): their
   * state comes from their status files. */
  private instances(service: string, scandir: string, now: ReturnType<typeof taiNow>): void {
    let names: string[];
    try {
      names = readdirSync(scandir);
    } catch {
      return;
    }
    for (const inst of names) {
      if (inst.startsWith('.')) continue;
      let s;
      try {
        s = readStatus(join(scandir, inst));
      } catch {
        continue;
      }
      const l = this.series.slot(service, 'instance', inst);
      const up = s.pid !== 0 && !s.finishing;
      this.up.set(l, up ? 1 : 0);
      this.ready.set(l, up && s.ready ? 1 : 0);
      this.wantedUp.set(l, s.wantUp ? 1 : 0);
      this.uptime.set(l, up ? secondsSince(s.stamp, now) : 0);
      if (!up && s.wstat) {
        if (wstatSignaled(s.wstat)) this.lastSignal.set(l, wstatSignal(s.wstat));
        else {
          this.exitCode.set(l, wstatExitCode(s.wstat));
          this.lastSignal.set(l, 0);
        }
      }
      if (up) this.usage(l, s.pid);
    }
  }

  private rc(): void {
    let lives;
    try {
      lives = rcStatus(this.hub.scandir);
    } catch {
      return;
    }
    this.rcTransitions.update(lives.map((l) => l.live));
    for (const live of lives) {
      for (const s of live.services) {
        if (s.internal) continue;
        this.rcUp.set({ service: s.name, instance: '', kind: s.type, live: live.live }, s.up ? 1 : 0);
      }
    }
  }
}
