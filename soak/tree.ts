// A supervision tree under test: a scan directory run by `hexad svscan` or Debian's s6-svscan,
// every process of it marked by SOAK_TREE=<root> in its environment so that the soak can find
// (and at the end kill) all of them, orphans included.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, constants as C } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byEnvMarker, killAll } from './proc.js';

export type Impl = 'hexad' | 's6';
export const HEXAD = fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
export const NODE = process.execPath;
export const hasS6 = (): boolean => spawnSync('/usr/bin/s6-svscan', ['-h'], { stdio: 'ignore' }).status !== null;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, limitMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
  return true;
}

export function tempRoot(name: string): string {
  return mkdtempSync(join(tmpdir(), `hexad-soak-${name}-`));
}

/** Writes a file, creating its directory; `run`/`finish` scripts get mode 755. */
export function put(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  if (/\/(run|finish)$/.test(path)) chmodSync(path, 0o755);
}

/** The shell words that run a hexad command or its s6 equivalent (`s6-NAME`). */
export function tool(impl: Impl, name: string): string {
  return impl === 'hexad' ? `${NODE} ${HEXAD} ${name}` : `/usr/bin/s6-${name}`;
}

export function runTool(impl: Impl, name: string, args: string[]): { code: number | null; out: string; err: string } {
  const r = impl === 'hexad'
    ? spawnSync(NODE, [HEXAD, name, ...args], { encoding: 'utf8', timeout: 30_000 })
    : spawnSync(`/usr/bin/s6-${name}`, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

export class Tree {
  readonly scan: string;
  scanner: ChildProcess | null = null;
  private readonly logFd: number;

  constructor(readonly impl: Impl, readonly root: string, private readonly scannerArgs: string[] = [], private readonly extraEnv: NodeJS.ProcessEnv = {}) {
    this.scan = join(root, 'scan');
    mkdirSync(this.scan, { recursive: true });
    this.logFd = openSync(join(root, 'scanner.log'), 'a');
  }

  get pid(): number {
    return this.scanner?.pid ?? -1;
  }

  start(): void {
    const env = { ...process.env, ...this.extraEnv, SOAK_TREE: this.root };
    const stdio: ['ignore', number, number] = ['ignore', this.logFd, this.logFd];
    this.scanner = this.impl === 'hexad'
      ? spawn(NODE, [HEXAD, 'svscan', ...this.scannerArgs, this.scan], { stdio, env, detached: true })
      : spawn('/usr/bin/s6-svscan', [...this.scannerArgs, this.scan], { stdio, env, detached: true });
    this.scanner.on('error', () => { /* reported by the checks */ });
  }

  controlOpen(): boolean {
    try {
      closeSync(openSync(join(this.scan, '.s6-svscan', 'control'), C.O_WRONLY | C.O_NONBLOCK));
      return true;
    } catch {
      return false;
    }
  }

  /** Every live process of this tree (scanner, supervisors, services, loggers, orphans). */
  members(): number[] {
    return [...byEnvMarker('SOAK_TREE', this.root).entries()].filter(([v]) => v === this.root).flatMap(([, p]) => p);
  }

  async kill9Scanner(): Promise<void> {
    const s = this.scanner;
    if (!s || !(s.pid! > 1)) return;
    const gone = new Promise((r) => (s.exitCode !== null || s.signalCode !== null ? r(null) : s.once('exit', r)));
    killAll([s.pid!]);
    await gone;
  }

  /** Asks the scanner to stop everything (SIGTERM), waits a bounded time, then SIGKILLs every
   * process still carrying the tree's marker and removes the directory. */
  async destroy(keep = false): Promise<number> {
    const s = this.scanner;
    if (s && s.exitCode === null && s.signalCode === null && s.pid! > 1) {
      const gone = new Promise((r) => s.once('exit', r));
      try {
        process.kill(s.pid!, 'SIGTERM');
      } catch { /* gone */ }
      await Promise.race([gone, sleep(10_000)]);
    }
    await until(() => this.members().length === 0, 3000, 100);
    const left = this.members();
    killAll(left);
    closeSync(this.logFd);
    if (!keep) rmSync(this.root, { recursive: true, force: true });
    return left.length;
  }
}
