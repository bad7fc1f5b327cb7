// rc transition counts and durations for GET /metrics, read at scrape time from each live
// directory's LIVE/transitions (written by `rc change`, see src/rc/transitions-log.ts): no
// daemon is told anything, and counters survive restarts of the scanner.
//
// The counter is a prom-client Counter, filled at each scrape. The histogram is registered as a
// prom-client collector with its own get(): the records are already bucketed on disk (the folded
// sum keeps bucket counts, not samples), which prom-client's Histogram cannot take as such.
import { Counter, type Registry } from 'prom-client';
import { DURATION_BUCKETS, readTransitions, type TransitionTotals } from '../rc/transitions-log.js';

interface Sample { value: number; labels: Record<string, string | number>; metricName: string }

const HIST = 'hexad_rc_transition_duration_seconds';

export class RcTransitionMetrics {
  private readonly count: Counter;
  private samples: Sample[] = [];

  constructor(reg: Registry) {
    this.count = new Counter({ name: 'hexad_rc_transitions_total', help: 'rc transitions done by rc change, per service, direction (up, down) and result (ok, failed)',
      labelNames: ['service', 'direction', 'result'], registers: [reg] });
    const self = this;
    const collector = {
      name: HIST, help: 'duration of rc transitions (start or stop of one service, readiness included), per service and direction',
      type: 'histogram', aggregator: 'sum',
      get: async () => ({ name: HIST, help: collector.help, type: 'histogram', aggregator: 'sum', values: self.samples }),
      reset: () => { self.samples = []; },
    };
    reg.registerMetric(collector as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Fills both from the live directories of this scan directory. */
  update(lives: string[]): void {
    this.count.reset();
    const samples: Sample[] = [];
    for (const live of lives) {
      const { totals } = readTransitions(live);
      for (const [key, t] of Object.entries(totals)) {
        const sp = key.indexOf(' ');
        const direction = key.slice(0, sp), service = key.slice(sp + 1);
        if (t.ok) this.count.inc({ service, direction, result: 'ok' }, t.ok);
        if (t.failed) this.count.inc({ service, direction, result: 'failed' }, t.failed);
        samples.push(...histogram(service, direction, t));
      }
    }
    this.samples = samples;
  }
}

function histogram(service: string, direction: string, t: TransitionTotals): Sample[] {
  const out: Sample[] = [];
  let cum = 0;
  DURATION_BUCKETS.forEach((le, k) => {
    cum += t.buckets[k] ?? 0;
    out.push({ metricName: `${HIST}_bucket`, labels: { le, service, direction }, value: cum });
  });
  cum += t.buckets[DURATION_BUCKETS.length] ?? 0;
  out.push({ metricName: `${HIST}_bucket`, labels: { le: '+Inf', service, direction }, value: cum });
  out.push({ metricName: `${HIST}_sum`, labels: { service, direction }, value: t.sumSeconds });
  out.push({ metricName: `${HIST}_count`, labels: { service, direction }, value: cum });
  return out;
}
