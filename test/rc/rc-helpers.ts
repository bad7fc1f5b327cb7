// Shared by the rc tests: source definition sets, a scan directory run by hexad svscan (or
// Debian's s6-svscan for interop), and the rc commands on them.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, writeFileSync, constants as C } from 'node:fs';
import { dirname, join } from 'node:path';
import { Daemon, hexad, hexadDaemon, requireS6, rmrf, tmp, until, type Result } from '../helpers.js';

/** A service definition: file name -> content (`dependencies.d/x: ''` makes an entry). */
export type Def = Record<string, string>;

/** Writes service definitions under `dir` (created); run/finish scripts are executable. */
export function writeSource(dir: string, defs: Record<string, Def>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, files] of Object.entries(defs)) {
    const sdir = join(dir, name);
    mkdirSync(sdir, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      const p = join(sdir, file);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
      if (/(^|\/)(run|finish)$/.test(file)) chmodSync(p, 0o755);
    }
  }
  return dir;
}

export const longrun = (run = 'exec sleep 1000\n', extra: Def = {}): Def => ({ type: 'longrun\n', run: `#!/bin/sh\n${run}`, ...extra });
/** A longrun that signals readiness on fd 3 as soon as it starts. */
export const readyLongrun = (extra: Def = {}): Def =>
  longrun('echo >&3\nexec sleep 1000 3>&-\n', { 'notification-fd': '3\n', ...extra });
export const oneshot = (up: string, extra: Def = {}): Def => ({ type: 'oneshot\n', up, ...extra });
export const bundle = (members: string[], extra: Def = {}): Def => {
  const d: Def = { type: 'bundle\n', ...extra };
  if (!members.length) d.contents = '';
  for (const m of members) d[`contents.d/${m}`] = '';
  return d;
};
export const deps = (names: string[]): Def => Object.fromEntries(names.map((n) => [`dependencies.d/${n}`, '']));

export class RcEnv {
  readonly src: string;
  readonly scandir: string;
  readonly live: string;
  scanner: Daemon | null = null;
  private compiledCount = 0;

  constructor(readonly root: string) {
    this.src = join(root, 'src');
    this.scandir = join(root, 'scandir');
    this.live = join(root, 'live');
    mkdirSync(this.scandir);
  }

  /** A fresh directory with a running scanner: 'hexad' (with the oneshot runner) or 's6'. */
  static async start(kind: 'hexad' | 's6' = 'hexad', prefix = 'hexad-rc-', extraEnv: Record<string, string> = {}): Promise<RcEnv> {
    const env = new RcEnv(tmp(prefix));
    await env.startScanner(kind, { ...process.env, ...extraEnv });
    return env;
  }

  async startScanner(kind: 'hexad' | 's6', environ: NodeJS.ProcessEnv = process.env): Promise<void> {
    if (kind === 's6') {
      requireS6();
      this.scanner = new Daemon('/usr/bin/s6-svscan', ['-t0', this.scandir], { env: environ });
    } else this.scanner = hexadDaemon(['svscan', this.scandir], { env: environ });
    await until('the scanner to listen', () => existsSync(join(this.scandir, '.s6-svscan', 'control')) && isFifoOpen(this.scandir));
    const socket = join(this.scandir, '.s6-svscan', 'hexad-runner');
    if (kind === 'hexad') await until('the runner socket', () => existsSync(socket));
  }

  /** Compiles the source directory (or `sources`) into a new compiled directory. */
  compile(sources: string[] = [this.src], args: string[] = []): { dir: string; r: Result } {
    const dir = join(this.root, `compiled${++this.compiledCount}`);
    return { dir, r: hexad(['rc-compile', ...args, dir, ...sources]) };
  }

  init(compiled: string, args: string[] = []): Result {
    return hexad(['rc-init', '-c', compiled, '-l', this.live, ...args, this.scandir]);
  }

  rc(args: string[]): Result {
    return hexad(['rc', '-l', this.live, ...args]);
  }

  /** compile + init, asserting both succeed */
  setup(defs: Record<string, Def>): string {
    writeSource(this.src, defs);
    const { dir, r } = this.compile();
    if (r.code !== 0) throw new Error(`rc-compile failed: ${r.stderr}`);
    const i = this.init(dir);
    if (i.code !== 0) throw new Error(`rc-init failed: ${i.stderr}`);
    return dir;
  }

  up(): string[] {
    return this.rc(['-a', 'list']).stdout.split('\n').filter(Boolean);
  }

  async stop(): Promise<void> {
    try {
      await this.scanner?.stop();
    } finally {
      rmrf(this.root);
    }
  }
}

function isFifoOpen(scandir: string): boolean {
  try {
    closeSync(openSync(join(scandir, '.s6-svscan', 'control'), C.O_WRONLY | C.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

/** Lines of an rc -v2 stderr without the durations hexad adds. */
export function infoLines(stderr: string): string[] {
  return stderr.split('\n').filter(Boolean).map((l) => l.replace(/ in \d+ ms$/, ''));
}
