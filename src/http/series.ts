// Labelled metric families for GET /metrics whose series outlive a scrape. prom-client writes
// the text; these objects only hand it their samples, as its own Histogram does.
//
// A prom-client Gauge or Counter takes a labels object on each set() and hashes it into a key,
// and after a reset() every series is a new object again: at a thousand services, seven
// families, that is seven thousand hashes and objects per scrape, and the registry then formats
// every label value again. Here each label set (a service, a logger, an instance) is one `Slot`,
// kept while its service is there, that holds one sample per family. A family's samples carry
// the slot's labels as `sharedLabels` (the field prom-client's Histogram uses for labels common to
// its buckets): the registry formats such an object once and keeps the text in a WeakMap, so an
// unchanged service costs a number per series and no label formatting. get() (getMetricsAsJSON)
// returns plain `labels`, like the Histogram's.
import type { Registry } from 'prom-client';

export interface SeriesLabels { service: string; instance: string; kind: string }

interface Sample { value: number; labels: Record<string, never>; sharedLabels: Readonly<SeriesLabels>; round: number }

const NO_LABELS: Record<string, never> = Object.freeze({});

/** One label set and its sample in each family. */
export class Slot {
  round = 0;
  readonly samples: Array<Sample | undefined> = [];
  constructor(readonly labels: Readonly<SeriesLabels>) {}
}

/** The families and the slots they share. Each scrape is a round: begin(), then set() the
 * series of this instant, then end(), which forgets the slots no family was given. */
export class SeriesSet {
  private readonly slots = new Map<string, Slot>();
  private readonly families: Family[] = [];
  private round = 0;

  constructor(private readonly reg: Registry) {}

  family(name: string, help: string, type: 'gauge' | 'counter'): Family {
    const f = new Family(this.families.length, name, help, type);
    this.families.push(f);
    this.reg.registerMetric(f as unknown as Parameters<Registry['registerMetric']>[0]);
    return f;
  }

  begin(): void {
    this.round++;
    for (const f of this.families) f.begin(this.round);
  }

  /** The slot of these labels (the same object from scrape to scrape). */
  slot(service: string, kind: string, instance = ''): Slot {
    const key = instance ? `${kind}\0${service}\0${instance}` : `${kind}\0${service}`;
    let s = this.slots.get(key);
    if (!s) {
      s = new Slot(Object.freeze({ service, instance, kind }));
      this.slots.set(key, s);
    }
    s.round = this.round;
    return s;
  }

  end(): void {
    for (const [key, s] of this.slots) if (s.round !== this.round) this.slots.delete(key);
  }
}

/** A gauge or counter family whose values are set each scrape (a counter is given its total:
 * setting one slot twice in a round adds, as Counter.inc does; a gauge keeps the last). */
export class Family {
  readonly aggregator = 'sum';
  private values: Sample[] = [];
  private round = 0;

  constructor(private readonly id: number, readonly name: string, readonly help: string, readonly type: 'gauge' | 'counter') {}

  begin(round: number): void {
    this.round = round;
    this.values = []; // a new array: what get() handed out before keeps its length
  }

  set(slot: Slot, value: number): void {
    let s = slot.samples[this.id];
    if (!s) {
      s = { value, labels: NO_LABELS, sharedLabels: slot.labels, round: 0 };
      slot.samples[this.id] = s;
    }
    if (s.round === this.round) {
      s.value = this.type === 'counter' ? s.value + value : value;
      return;
    }
    s.round = this.round;
    s.value = value;
    this.values.push(s);
  }

  /** What the registry writes as text (Registry.getMetricsAsString). */
  getForPromString(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values };
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Array<{ value: number; labels: SeriesLabels }> }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values.map((s) => ({ value: s.value, labels: { ...s.sharedLabels } })) };
  }

  /** Registry.resetMetrics(): no series until the next scrape. */
  reset(): void {
    this.values = [];
    this.round = -1; // a set() before the next begin() is a first one
  }
}
