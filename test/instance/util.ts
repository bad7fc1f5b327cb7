// An instanced service under a running outer scanner (hexad's or Debian's), and the checks
// the instance tests share: processes left behind, FIFOs, the state of an instance.
import { lstatSync, mkdirSync, readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLocked } from '../../src/s6/lockfile.js';
import { readStatus } from '../../src/s6/status.js';
import { Daemon, hexad, hexadDaemon, run, serviceDir, sleep, until, type Result } from '../helpers.js';

export type Impl = 'hexad' | 's6';

/** Runs an instance tool: `hexad instance-X …` or Debian's `s6-instance-X …`. */
export function itool(impl: Impl, name: string, args: string[]): Result {
  return impl === 'hexad' ? hexad([`instance-${name}`, ...args]) : run(`/usr/bin/s6-instance-${name}`, args);
}

/** Pids of the processes whose current directory is under `root`: every service and
 * supervisor a test starts runs in its own service or scan directory. */
export function processesUnder(root: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${p}/cwd`);
      if (cwd === root || cwd.startsWith(root + '/')) pids.push(Number(p));
    } catch { /* gone, or not ours to read */ }
  }
  return pids;
}

/** Every FIFO under `dir`, as paths relative to it. */
export function fifosUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    if (st.isFIFO()) out.push(p);
    else if (st.isDirectory()) out.push(...fifosUnder(dir, p));
  }
  return out.sort();
}

export function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[2]);
}

export function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').slice(0, -1);
}

/** An outer scan directory holding instanced services (made by hexad's or Debian's
 * instance-maker), and its scanner (hexad's or Debian's). */
export class Tree {
  readonly scan: string;
  private readonly services: string[] = [];
  private d: Daemon | null = null;

  constructor(readonly root: string) {
    this.scan = join(root, 'scan');
    mkdirSync(this.scan, { recursive: true });
  }

  /** Makes scan/NAME from a template with these files; returns its path. */
  make(name: string, files: Record<string, string>, opts: { maker?: Impl; args?: string[] } = {}): string {
    const tpl = serviceDir(join(this.root, `template-${name}`), files);
    const svc = join(this.scan, name);
    const r = opts.maker === 's6'
      ? run('/usr/bin/s6-instance-maker', [...(opts.args ?? []), tpl, svc])
      : hexad(['instance-maker', ...(opts.args ?? []), tpl, svc]);
    if (r.code !== 0) throw new Error(`instance-maker failed: ${r.stderr}`);
    this.services.push(svc);
    return svc;
  }

  /** Starts the outer scanner and waits until every nested scanner holds its lock. */
  async start(impl: Impl = 'hexad'): Promise<void> {
    this.d = impl === 'hexad' ? hexadDaemon(['svscan', this.scan]) : new Daemon('/usr/bin/s6-svscan', [this.scan]);
    for (const svc of this.services) {
      await until(`nested scanner of ${svc} running (${this.stderr})`, () => isLocked(join(svc, 'instance', '.s6-svscan', 'lock')));
    }
  }

  get stderr(): string {
    return this.d?.stderr ?? '';
  }

  /** The pid of the nested scanner of an instanced service (its run, exec'd into svscan). */
  scannerPid(svc: string): number {
    return readStatus(svc).pid;
  }

  /** Brings everything down (SIGTERM to the outer scanner: the tree stops in order) and
   * returns the processes still left under the root afterwards (killed). */
  async stop(): Promise<number[]> {
    if (this.d) {
      this.d.kill('SIGTERM');
      try {
        await this.d.wait(20_000);
      } finally {
        await this.d.stop('SIGKILL');
      }
    }
    let left: number[] = [];
    for (let i = 0; i < 100; i++) {
      left = processesUnder(this.root);
      if (!left.length) break;
      await sleep(50);
    }
    for (const pid of left) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    return left;
  }
}

/** Waits until the instance's service is up (a pid, not finishing); returns the pid. */
export function instanceUp(svc: string, name: string): Promise<number> {
  const dir = join(svc, 'instance', name);
  return until(`instance ${name} up`, () => {
    const s = readStatus(dir);
    return s.pid && !s.finishing ? s.pid : 0;
  });
}
