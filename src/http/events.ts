// GET /api/events: Server-Sent Events. A snapshot of every row on connect, then one `s6` event
// per event byte of any supervisor (with the slot's new row), and a `stats` event with CPU and
// memory every few seconds while anyone listens. A client that stops reading is dropped (its
// unsent data passed maxBuffer, or it has not drained for stallMs), so memory stays bounded
// whatever the clients do; EventSource reconnects and gets a fresh snapshot.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubEvent, ServiceHub } from './hub.js';

export interface EventStreamOptions {
  /** bytes of unsent data a client may have queued before it is dropped (a rescan of 1,000
   * services queues ~400 KB of events in one turn of the loop) */
  maxBuffer?: number;
  /** ms of the loop's free time a client may go without taking any of its unsent data
   * before it is dropped */
  stallMs?: number;
  /** ms between `stats` events (CPU, memory) while clients are connected */
  statsMs?: number;
  /** ms between keep-alive comments */
  heartbeatMs?: number;
  /** most clients at once; more get 503 */
  maxClients?: number;
}

export class EventStream {
  /** each client → bytes its socket had flushed at the last check, and how many checks in a
   * row found unsent data and nothing flushed since the previous one */
  private readonly clients = new Map<ServerResponse, { flushed: number; stalled: number }>();
  private checker: NodeJS.Timeout | null = null;
  private readonly checkMs: number;
  private readonly unlisten: () => void;
  private statsTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly maxBuffer: number;
  private readonly stallMs: number;
  private readonly statsMs: number;
  private readonly heartbeatMs: number;
  private readonly maxClients: number;
  /** clients dropped for not reading */
  dropped = 0;

  constructor(private readonly hub: ServiceHub, opts: EventStreamOptions = {}) {
    this.maxBuffer = opts.maxBuffer ?? 1024 * 1024;
    this.stallMs = opts.stallMs ?? 30_000;
    this.checkMs = Math.max(50, Math.min(1000, this.stallMs / 4));
    this.statsMs = opts.statsMs ?? 2000;
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.maxClients = opts.maxClients ?? 1000;
    this.unlisten = hub.listen((e) => this.onEvent(e));
  }

  get size(): number {
    return this.clients.size;
  }

  add(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= this.maxClients) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('too many event clients\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    this.clients.set(res, { flushed: 0, stalled: 0 });
    const gone = (): void => this.remove(res);
    req.on('close', gone);
    res.on('close', gone);
    res.on('error', gone);
    this.send(res, `retry: 2000\nevent: snapshot\ndata: ${JSON.stringify({ time: Date.now(), rows: this.hub.rows(true) })}\n\n`);
    this.timers();
  }

  private remove(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (!res.destroyed) res.destroy();
    this.timers();
  }

  private timers(): void {
    if (this.clients.size && !this.statsTimer) {
      this.statsTimer = setInterval(() => this.stats(), this.statsMs).unref();
      this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n', true), this.heartbeatMs).unref();
      this.checker = setInterval(() => this.checkStalled(), this.checkMs).unref();
    } else if (!this.clients.size && this.statsTimer) {
      clearInterval(this.statsTimer);
      clearInterval(this.heartbeat!);
      clearInterval(this.checker!);
      this.statsTimer = this.heartbeat = this.checker = null;
    }
  }

  /** Counted in checks, not in wall time: while the loop itself is blocked (a big rescan) no
   * client can be served, and no check runs to blame it. */
  private checkStalled(): void {
    const limit = Math.ceil(this.stallMs / this.checkMs);
    for (const [res, state] of this.clients) {
      const sock = res.socket;
      if (!sock) continue;
      const flushed = sock.bytesWritten - sock.writableLength;
      if (res.writableLength > 0 && flushed === state.flushed) state.stalled++;
      else state.stalled = 0;
      state.flushed = flushed;
      if (state.stalled >= limit) this.drop(res);
    }
  }

  private drop(res: ServerResponse): void {
    this.dropped++;
    this.remove(res);
  }

  /** Queues `text`, unless the client has more than maxBuffer unsent: then it is dropped.
   * One message may pass the bound, so a large snapshot always goes out. `optional` data
   * (stats, keep-alives: the next one supersedes it) is skipped while anything is unsent. */
  private send(res: ServerResponse, text: string, optional = false): void {
    if (!this.clients.has(res) || res.destroyed) return;
    const pending = res.writableLength;
    if (pending > this.maxBuffer) return this.drop(res);
    if (optional && pending > 0) return;
    res.write(text);
  }

  private broadcast(text: string, optional = false): void {
    for (const res of this.clients.keys()) this.send(res, text, optional);
  }

  private onEvent(e: HubEvent): void {
    if (!this.clients.size) return;
    const row = this.hub.row(e.name);
    this.broadcast(`id: ${e.seq}\nevent: s6\ndata: ${JSON.stringify({ ...e, row })}\n\n`);
  }

  private stats(): void {
    const rows = this.hub.rows(true).map((r) => ({ name: r.name, cpu: r.cpu ?? null, rss: r.rss ?? null, state: r.state, since: r.since }));
    this.broadcast(`event: stats\ndata: ${JSON.stringify({ time: Date.now(), rows })}\n\n`, true);
  }

  close(): void {
    this.unlisten();
    for (const res of [...this.clients.keys()]) this.remove(res);
  }
}
