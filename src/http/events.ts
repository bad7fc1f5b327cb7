// GET /api/events: Server-Sent Events. A snapshot of every row on connect, then one `s6` event
// per event byte of any supervisor (with the slot's new row), and a `stats` event with CPU and
// memory every few seconds while anyone listens. A client whose unsent data passes maxBuffer
// (it stopped reading) is dropped, so memory stays bounded whatever the clients do.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubEvent, ServiceHub } from './hub.js';

export interface EventStreamOptions {
  /** bytes of unsent data a client may have queued before it is dropped */
  maxBuffer?: number;
  /** ms between `stats` events (CPU, memory) while clients are connected */
  statsMs?: number;
  /** ms between keep-alive comments */
  heartbeatMs?: number;
  /** most clients at once; more get 503 */
  maxClients?: number;
}

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly unlisten: () => void;
  private statsTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly maxBuffer: number;
  private readonly statsMs: number;
  private readonly heartbeatMs: number;
  private readonly maxClients: number;
  /** clients dropped for not reading */
  dropped = 0;

  constructor(private readonly hub: ServiceHub, opts: EventStreamOptions = {}) {
    this.maxBuffer = opts.maxBuffer ?? 256 * 1024;
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
    this.clients.add(res);
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
      this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), this.heartbeatMs).unref();
    } else if (!this.clients.size && this.statsTimer) {
      clearInterval(this.statsTimer);
      clearInterval(this.heartbeat!);
      this.statsTimer = this.heartbeat = null;
    }
  }

  private send(res: ServerResponse, text: string): void {
    if (res.destroyed) return;
    res.write(text);
    if (res.writableLength > this.maxBuffer) {
      this.dropped++;
      this.remove(res);
    }
  }

  private broadcast(text: string): void {
    for (const res of this.clients) this.send(res, text);
  }

  private onEvent(e: HubEvent): void {
    if (!this.clients.size) return;
    const row = this.hub.row(e.name);
    this.broadcast(`id: ${e.seq}\nevent: s6\ndata: ${JSON.stringify({ ...e, row })}\n\n`);
  }

  private stats(): void {
    const rows = this.hub.rows(true).map((r) => ({ name: r.name, cpu: r.cpu ?? null, rss: r.rss ?? null, state: r.state, since: r.since }));
    this.broadcast(`event: stats\ndata: ${JSON.stringify({ time: Date.now(), rows })}\n\n`);
  }

  close(): void {
    this.unlisten();
    for (const res of [...this.clients]) this.remove(res);
  }
}
