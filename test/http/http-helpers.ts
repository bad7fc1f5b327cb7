// HTTP clients for the tests of src/http: plain requests, an SSE reader that resolves on an
// event (never on time), and the Prometheus text parser from npm.
import { readdirSync, readlinkSync } from 'node:fs';
import { request, type IncomingMessage, type ClientRequest } from 'node:http';
import { createRequire } from 'node:module';

export type Target = { socketPath: string } | { host: string; port: number };

export interface Reply { status: number; headers: IncomingMessage['headers']; body: string }

export function http(target: Target, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const get = (t: Target, path: string): Promise<Reply> => http(t, 'GET', path);

export interface SseMessage { event: string; data: string; id?: string; at: number }

/** An EventSource-like reader: collects messages, `next(pred)` resolves on the first message
 * (already received or to come) that matches. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  private waiters: Array<{ pred: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void; reject: (e: Error) => void }> = [];
  private buf = '';
  private req: ClientRequest;
  closed = false;
  readonly opened: Promise<void>;

  constructor(target: Target, path = '/api/events') {
    let open!: () => void, fail!: (e: Error) => void;
    this.opened = new Promise((res, rej) => { open = res; fail = rej; });
    this.req = request({ ...target, path, agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) fail(new Error(`status ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (d: string) => this.feed(d));
      res.on('close', () => this.ended(new Error('event stream closed by the server')));
      res.on('error', (e) => this.ended(e));
    });
    this.req.on('error', (e) => { this.ended(e); fail(e); });
    this.req.end();
    this.next((m) => m.event === 'snapshot').then(() => open(), () => { /* failed above */ });
  }

  private feed(d: string): void {
    this.buf += d;
    let i;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      const m: SseMessage = { event: 'message', data: '', at: Date.now() };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const c = line.indexOf(':');
        const k = c < 0 ? line : line.slice(0, c);
        const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
        if (k === 'event') m.event = v;
        else if (k === 'data') data.push(v);
        else if (k === 'id') m.id = v;
      }
      if (!data.length) continue;
      m.data = data.join('\n');
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    }
  }

  private ended(e: Error): void {
    this.closed = true;
    for (const w of this.waiters) w.reject(e);
    this.waiters = [];
  }

  /** The first message matching `pred` from index `from` on (0: any ever received). */
  next(pred: (m: SseMessage) => boolean, from = 0): Promise<SseMessage> {
    const have = this.messages.slice(from).find(pred);
    if (have) return Promise.resolve(have);
    if (this.closed) return Promise.reject(new Error('event stream closed'));
    return new Promise((resolve, reject) => this.waiters.push({ pred, resolve, reject }));
  }

  /** An s6 event of `name` with byte `ev`, arriving after message index `from`. */
  s6(name: string, ev: string, from = this.messages.length): Promise<SseMessage> {
    return this.next((m) => m.event === 's6' && (() => { const d = JSON.parse(m.data); return d.name === name && d.event === ev; })(), from);
  }

  close(): void {
    this.closed = true;
    this.waiters = [];
    this.req.destroy();
  }
}

export interface PromFamily { name: string; help: string; type: string; metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }> }

const require = createRequire(import.meta.url);
const parser = require('parse-prometheus-text-format') as (text: string) => PromFamily[];

export type Families = Map<string, PromFamily> & { text: string };

export function parseMetrics(text: string): Families {
  return Object.assign(new Map(parser(text).map((f) => [f.name, f])), { text });
}

/** The parser folds every labelled histogram series into one (and drops their _count), so a
 * histogram's count is read from its `_count` line. */
function histogramCount(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_count\\{(.*)\\} (\\S+)$`).exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[2]);
  }
  return undefined;
}

/** The value of one series (labels matched by subset), or undefined. */
export function sample(fams: Families, name: string, labels: Record<string, string>): number | undefined {
  const f = fams.get(name);
  if (f?.type === 'HISTOGRAM') return histogramCount(fams.text, name, labels);
  const m = f?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  if (!m) return undefined;
  return Number(m.value ?? m.count);
}

/** The pids whose /proc/PID/stat this process holds open. */
export function heldStats(): number[] {
  const out: number[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^\/proc\/(\d+)\/stat$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.push(Number(m[1]));
    } catch { /* the fd of the readdir itself */ }
  }
  return out.sort((a, b) => a - b);
}
