// Helpers for the supervision tests: start a supervisor (hexad's or Debian's), follow a
// service's events, read its status.
import { join } from 'node:path';
import { FifodirListener } from '../../src/s6/fifodir.js';
import { readStatus, type SvStatus } from '../../src/s6/status.js';
import { Daemon, HEXAD, hexadDaemon, until, run, type Result } from '../helpers.js';
import { isLocked } from '../../src/s6/lockfile.js';

export type Impl = 'hexad' | 's6';

export function startSupervise(impl: Impl, dir: string): Daemon {
  return impl === 'hexad' ? hexadDaemon(['supervise', dir]) : new Daemon('/usr/bin/s6-supervise', [dir]);
}

/** Runs an s6 client tool: hexad's (`hexad svc …`) or Debian's (`s6-svc …`). */
export function tool(impl: Impl, name: string, args: string[], opts: { cwd?: string } = {}): Result {
  return impl === 'hexad'
    ? run(process.execPath, [HEXAD, name, ...args], opts)
    : run(`/usr/bin/s6-${name}`, args, opts);
}

export function status(dir: string): SvStatus {
  return readStatus(dir);
}

export async function supervised(dir: string): Promise<void> {
  await until(`${dir} supervised`, () => isLocked(join(dir, 'supervise', 'lock')));
}

export async function upPid(dir: string): Promise<number> {
  return until(`${dir} up`, () => {
    const s = readStatus(dir);
    return s.pid && !s.finishing ? s.pid : 0;
  });
}

/** Records every event byte a service's supervisor sends, with the time it arrived. */
export class Events {
  private readonly listener: FifodirListener;
  readonly seen: Array<{ c: string; at: number }> = [];

  constructor(dir: string) {
    this.listener = new FifodirListener(join(dir, 'event'), (bytes) => {
      for (const c of bytes) this.seen.push({ c, at: Date.now() });
    });
    this.listener.ref(false);
  }

  get text(): string {
    return this.seen.map((e) => e.c).join('');
  }

  /** Waits until the events received so far, from index `from`, contain `pattern`. */
  async waitFor(pattern: string, from = 0, ms = 20_000): Promise<number> {
    return until(`events "${pattern}" (got "${this.text}")`, () => {
      const i = this.text.indexOf(pattern, from);
      return i >= 0 ? i + pattern.length : 0;
    }, ms);
  }

  at(index: number): number {
    return this.seen[index].at;
  }

  close(): void {
    this.listener.close();
  }
}
