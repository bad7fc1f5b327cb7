// Shared by the tests: temporary directories, real processes, and polling without wall-clock
// assumptions (every wait has a generous bound and fails with what it was waiting for).
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HEXAD = fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function tmp(prefix = 'hexad-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function rmrf(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Writes an executable script (a `#!/bin/sh` prefix is added when missing). */
export function script(path: string, body: string): void {
  writeFileSync(path, body.startsWith('#!') ? body : `#!/bin/sh\n${body}`);
  chmodSync(path, 0o755);
}

/** A service directory: files given as name → content; `run` and `finish` made executable. */
export function serviceDir(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    if (name === 'run' || name === 'finish' || name.endsWith('/run') || name.endsWith('/finish')) script(p, content);
    else writeFileSync(p, content);
  }
  return dir;
}

export interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function toResult(r: SpawnSyncReturns<string>): Result {
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `hexad ARGS` to completion. */
export function hexad(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Result {
  return toResult(spawnSync(process.execPath, [HEXAD, ...args], { encoding: 'utf8', timeout: opts.timeout ?? 60_000, ...opts }));
}

/** Runs any program to completion. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Result {
  return toResult(spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 60_000, ...opts }));
}

/** Runs `hexad ARGS` asynchronously (for commands that wait). */
export function hexadAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return runAsync(process.execPath, [HEXAD, ...args], opts);
}

export function runAsync(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    c.stdout!.setEncoding('utf8').on('data', (d) => { stdout += d; });
    c.stderr!.setEncoding('utf8').on('data', (d) => { stderr += d; });
    c.on('error', reject);
    c.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A long-running process started for a test; stop() kills it (and its group) and waits. */
export class Daemon {
  readonly child: ChildProcess;
  stderr = '';
  stdout = '';
  private readonly exited: Promise<void>;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;

  constructor(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' } = {}) {
    this.child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout!.setEncoding('utf8').on('data', (d) => { this.stdout += d; });
    this.child.stderr!.setEncoding('utf8').on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, sig) => {
      this.exitCode = code;
      this.exitSignal = sig;
      resolve();
    }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }

  kill(sig: NodeJS.Signals = 'SIGTERM'): void {
    try {
      process.kill(this.pid, sig);
    } catch { /* gone */ }
  }

  wait(ms = 20_000): Promise<void> {
    return Promise.race([this.exited, new Promise<void>((_, rej) => setTimeout(() => rej(new Error(`process ${this.pid} still running after ${ms} ms; stderr: ${this.stderr}`)), ms).unref())]);
  }

  /** Kills the whole process group (the daemon and whatever it started in it). */
  async stop(sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) {
      this.kill(sig);
      try {
        await this.wait(10_000);
      } catch {
        this.kill('SIGKILL');
        await this.wait(5_000);
      }
    }
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch { /* group gone */ }
  }
}

export function hexadDaemon(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' } = {}): Daemon {
  return new Daemon(process.execPath, [HEXAD, ...args], opts);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms until it returns a truthy value; fails after `ms` with `what`. */
export async function until<T>(what: string, cond: () => T | Promise<T>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(20);
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Debian's s6 tools, required for the compatibility tests (.ci/run installs them). */
export function requireS6(): void {
  if (!existsSync('/usr/bin/s6-supervise')) throw new Error("Debian's s6 is not installed: apt-get install s6 execline (see .ci/run)");
}
