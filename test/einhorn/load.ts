// A bounded HTTP load on 127.0.0.1 (used by the zero-drop test and by bench/einhorn): a fixed
// number of loops, each sending one request after the other, on a new connection each time or
// on keep-alive connections, until stop() or a request cap. Counts answers, failures by kind,
// and the versions that answered.
import http from 'node:http';

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  versions: Record<string, number>;
  latencies: number[];
}

export class Load {
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly agent: http.Agent | false;
  readonly result: LoadResult = { sent: 0, ok: 0, failed: 0, errors: {}, versions: {}, latencies: [] };

  constructor(private readonly port: number, private readonly opts: { concurrency: number; keepAlive: boolean; max?: number; path?: string }) {
    this.agent = opts.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: opts.concurrency }) : false;
    for (let i = 0; i < opts.concurrency; i++) this.loops.push(this.loop());
  }

  private fail(kind: string): void {
    this.result.failed++;
    this.result.errors[kind] = (this.result.errors[kind] ?? 0) + 1;
  }

  private one(): Promise<void> {
    const r = this.result;
    r.sent++;
    const t0 = process.hrtime.bigint();
    return new Promise((resolve) => {
      const req = http.get(
        { host: '127.0.0.1', port: this.port, path: this.opts.path ?? '/info', agent: this.agent, headers: this.agent ? {} : { connection: 'close' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d) => (body += d));
          res.on('end', () => {
            if (res.statusCode !== 200) this.fail(`HTTP ${res.statusCode}`);
            else {
              try {
                const v = String((JSON.parse(body) as { version: unknown }).version);
                r.ok++;
                r.versions[v] = (r.versions[v] ?? 0) + 1;
                r.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
              } catch {
                this.fail('bad body');
              }
            }
            resolve();
          });
          res.on('error', (e) => {
            this.fail((e as NodeJS.ErrnoException).code ?? e.message);
            resolve();
          });
        },
      );
      req.on('error', (e) => {
        this.fail((e as NodeJS.ErrnoException).code ?? e.message);
        resolve();
      });
      req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    });
  }

  private async loop(): Promise<void> {
    while (this.running && (this.opts.max === undefined || this.result.sent < this.opts.max)) await this.one();
  }

  /** Stops the loops after their current request; resolves with the totals. */
  async stop(): Promise<LoadResult> {
    this.running = false;
    await Promise.all(this.loops);
    if (this.agent) this.agent.destroy();
    return this.result;
  }
}
