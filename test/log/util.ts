// Helpers for the logger tests: run Debian's s6-log and `hexad log` side by side, and
// compare what they leave on disk with timestamps masked.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HEXAD, until } from '../helpers.js';

export const S6_LOG = '/usr/bin/s6-log';

export type Kind = 's6' | 'hexad';

export function requireS6Log(): void {
  if (!existsSync(S6_LOG)) throw new Error("Debian's s6-log is not installed: apt-get install s6 execline");
}

export function cmdOf(kind: Kind, args: string[]): [string, string[]] {
  return kind === 's6' ? [S6_LOG, args] : [process.execPath, [HEXAD, 'log', ...args]];
}

export interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs a logger to completion on `input` (latin1 strings keep bytes as they are). */
export function runLog(kind: Kind, args: string[], cwd: string, input: string | Buffer = '', env?: NodeJS.ProcessEnv): Run {
  const [cmd, argv] = cmdOf(kind, args);
  const r = spawnSync(cmd, argv, { cwd, input: typeof input === 'string' ? Buffer.from(input, 'latin1') : input, env: env ?? process.env, timeout: 30_000 });
  // a logger that fails early does not read its input
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout.toString('latin1'), stderr: normProg(r.stderr.toString('latin1')) };
}

/** The program name in messages, so that s6-log's and hexad's can be compared. */
export function normProg(s: string): string {
  return s.replace(/^(s6-log|hexad log)(?=[: ])/gm, 'PROG').replace(/(s6-log|hexad log): alert: /g, 'PROG: alert: ');
}

const TAI_RE = /@[0-9a-fA-F]{24}/g;
const LOCAL_RE = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}/g;

export function maskStamps(s: string): string {
  return s.replace(TAI_RE, '@TAI').replace(LOCAL_RE, 'LOCAL');
}

export interface Entry { name: string; mode: string; content?: string }

/** Every file under `dir` (recursively): names with archive stamps numbered in order, modes,
 * contents with timestamps masked. */
export function snapshot(dir: string): Entry[] {
  const out: Entry[] = [];
  const walk = (rel: string): void => {
    const names = readdirSync(join(dir, rel)).sort();
    let k = 0;
    for (const name of names) {
      const p = join(dir, rel, name);
      const st = statSync(p);
      const shown = /^@[0-9a-f]{24}\.[su]$/.test(name) ? `@archive${k++}${name.slice(25)}` : name;
      const r = rel ? `${rel}/${shown}` : shown;
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.push({ name: r + '/', mode });
        walk(rel ? `${rel}/${name}` : name);
      } else out.push({ name: r, mode, content: maskStamps(readFileSync(p).toString('latin1')) });
    }
  };
  walk('');
  return out;
}

/** A logger kept running with its stdin and stdout as pipes. */
export class Live {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  exitCode: number | null = null;
  running = true;
  exited: Promise<number | null>;

  constructor(kind: Kind, args: string[], cwd: string, stdio: ('pipe' | 'ignore' | number)[] = ['pipe', 'pipe', 'pipe']) {
    const [cmd, argv] = cmdOf(kind, args);
    this.child = spawn(cmd, argv, { cwd, stdio });
    this.child.stdout?.setEncoding('latin1').on('data', (d: string) => {
      this.stdout += d;
      for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) this.stdoutLines++;
      for (const w of [...this.waiters]) w();
    });
    this.child.stderr?.setEncoding('latin1').on('data', (d: string) => { this.stderr += d; });
    this.child.stdin?.on('error', () => { /* the logger went away */ });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => {
      this.exitCode = code;
      this.running = false;
      for (const w of [...this.waiters]) w();
      resolve(code);
    }));
  }

  write(s: string | Buffer): void {
    this.child.stdin!.write(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }

  /** Writes lines one at a time, each after the previous one came back on stdout (the
   * script must end with a `1` action that echoes every line). */
  async paced(lines: string[]): Promise<void> {
    for (const l of lines) {
      const want = this.stdoutLines + 1;
      this.write(l + '\n');
      await this.stdoutLinesAtLeast(want);
    }
  }

  /** Lines seen on stdout so far. */
  stdoutLines = 0;
  private readonly waiters = new Set<() => void>();

  /** Resolves as soon as stdout has had `n` lines (checked on every chunk, no polling). */
  stdoutLinesAtLeast(n: number, ms = 10_000): Promise<void> {
    if (this.stdoutLines >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.stdoutLines < n && this.running) return;
        clearTimeout(t);
        this.waiters.delete(check);
        if (this.stdoutLines >= n) resolve();
        else reject(new Error(`logger exited after ${this.stdoutLines} of ${n} lines on stdout; stderr: ${this.stderr}`));
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${n} lines on stdout (have ${this.stdoutLines}); stderr: ${this.stderr}`));
      }, ms);
      this.waiters.add(check);
    });
  }

  async waitStdout(text: string): Promise<void> {
    await until(`"${text}" on stdout`, () => this.stdout.includes(text), 10_000);
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  async end(): Promise<number | null> {
    this.child.stdin?.end();
    return this.wait();
  }

  async wait(ms = 15_000): Promise<number | null> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => { t = setTimeout(() => rej(new Error(`logger still running; stderr: ${this.stderr}`)), ms); });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
