// The pieces of stages 2 and 3 that are plain programs: the scripts of cont-init.d and
// cont-finish.d, and the legacy services.d folders that join the scan directory.
import { accessSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, constants as C } from 'node:fs';
import { delimiter, join } from 'node:path';
import { hiercopy, rmrf } from '../s6/tree.js';
import type { Layout } from './layout.js';
import { runToEnd, type Exit } from './procs.js';

export interface ScriptContext {
  env: string[];
  stdio: number[];
  cwd: string;
  info: (m: string) => void;
  warn: (m: string) => void;
}

/** The entries of a scripts folder, in the order s6-overlay runs them (byte order of names). */
export function scriptsIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => join(dir, n));
}

function isRunnable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, C.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ScriptResult { path: string; exit: Exit & { timedOut: boolean } }

/** Runs the scripts of `dir` one after the other. `stopOnFailure`: the first failure ends the
 * run. Returns the failures. Each script is limited to `maxMs` (0: none). */
export async function runScripts(label: string, dir: string, ctx: ScriptContext, opts: { stopOnFailure: boolean; maxMs: number }): Promise<ScriptResult[]> {
  const failed: ScriptResult[] = [];
  for (const path of scriptsIn(dir)) {
    if (!isRunnable(path)) {
      ctx.warn(`${label}: skipping ${path}: not an executable file`);
      continue;
    }
    ctx.info(`${label}: running ${path}`);
    const exit = await runToEnd(path, [path], { cwd: ctx.cwd, env: ctx.env, stdio: ctx.stdio, maxMs: opts.maxMs });
    ctx.info(`${label}: ${path} ${exit.timedOut ? 'timed out and was killed' : exit.signal ? `crashed with signal ${exit.signal}` : `exited ${exit.code}`}`);
    if (exit.code !== 0 || exit.timedOut) {
      failed.push({ path, exit });
      if (opts.stopOnFailure) break;
    }
  }
  return failed;
}

/** Copies each etc/services.d/NAME to run/s6/legacy-services/NAME (the tree writes its
 * supervise/ state there, never under etc) and links it into the scan directory. */
export function installLegacyServices(l: Layout): string[] {
  if (!existsSync(l.servicesD)) return [];
  const names = readdirSync(l.servicesD).filter((n) => !n.startsWith('.') && statSync(join(l.servicesD, n)).isDirectory()).sort();
  mkdirSync(l.legacyServices, { recursive: true });
  for (const n of names) {
    const dst = join(l.legacyServices, n);
    rmrf(dst);
    hiercopy(join(l.servicesD, n), dst, { followTop: true });
    const link = join(l.scanDir, n);
    rmrf(link);
    symlinkSync(dst, link);
  }
  return names.map((n) => join(l.scanDir, n));
}

/** argv[0] looked up in PATH as execvp does; null when nothing runnable is found. */
export function lookPath(name: string, path: string | undefined, cwd: string): string | null {
  if (name.includes('/')) {
    const p = name.startsWith('/') ? name : join(cwd, name);
    return isRunnable(p) ? p : null;
  }
  for (const dir of (path || '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const p = join(dir || '.', name);
    if (isRunnable(p)) return p;
  }
  return null;
}
