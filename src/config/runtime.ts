// Bringing a compiled config to life and back: the scanner on STATE/scan, rc's live state,
// instances. Every step goes through hexad's own s6 commands (run as child processes), so what
// `hexad up` does is what a person could do by hand with svscan, rc-init and rc.
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HEXAD_BIN } from '../instance/scripts.js';
import { createInstance, deleteInstance, listInstanceNames } from '../instance/online.js';
import { isLocked } from '../s6/lockfile.js';
import { Fatal } from '../s6/diag.js';
import { rmrf } from '../s6/tree.js';
import { ALL_BUNDLE, statePaths, type CompiledApp, type CompiledConfig, type StatePaths } from './compile.js';

export interface RunResult { code: number; stdout: string; stderr: string }

/** Runs `hexad ARGS…` and collects its output. */
export function hexad(args: string[], timeoutMs = 0): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HEXAD_BIN, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 111) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(args: string[], what: string, timeoutMs = 0): Promise<RunResult> {
  const r = await hexad(args, timeoutMs);
  if (r.code !== 0) throw new Fatal(r.code === 100 ? 111 : r.code, `${what}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
  return r;
}

export const scannerRunning = (p: StatePaths): boolean => {
  try {
    return isLocked(join(p.scan, '.s6-svscan', 'lock'));
  } catch {
    return false;
  }
};

/** The database the live state uses (STATE/current → db-…). */
export function currentDb(stateDir: string): string | null {
  try {
    return join(stateDir, readlinkSync(join(stateDir, 'current')));
  } catch {
    return null;
  }
}

export function readCompiled(dbDir: string): CompiledConfig {
  return JSON.parse(readFileSync(join(dbDir, 'apps.json'), 'utf8')) as CompiledConfig;
}

function setCurrent(stateDir: string, dbDir: string): void {
  const tmp = join(stateDir, `.current-${process.pid}`);
  try { unlinkSync(tmp); } catch { /* none */ }
  symlinkSync(basename(dbDir), tmp);
  renameSync(tmp, join(stateDir, 'current'));
}

/** Removes every db-* but the current one and `keep`. */
export function pruneDbs(stateDir: string, keep?: string): void {
  const cur = currentDb(stateDir);
  for (const n of readdirSync(stateDir)) {
    const p = join(stateDir, n);
    if ((n.startsWith('db-') || n.startsWith('.build-')) && p !== cur && p !== keep) rmrf(p);
  }
}

export interface StartScannerOptions { http?: string }

/** Starts `hexad svscan STATE/scan` in its own session, output to STATE/svscan.log; resolves
 * once it holds its lock. */
export async function startScanner(p: StatePaths, o: StartScannerOptions = {}): Promise<number> {
  mkdirSync(p.scan, { recursive: true });
  const out = openSync(join(p.root, 'svscan.log'), 'a');
  const args = [HEXAD_BIN, 'svscan', ...(o.http ? ['--http', o.http] : []), p.scan];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], cwd: p.root });
  closeSync(out);
  child.unref();
  let exited: number | null = null;
  child.on('exit', (c) => { exited = c ?? 111; });
  const deadline = Date.now() + 30000;
  while (!scannerRunning(p)) {
    if (exited !== null) throw new Fatal(111, `svscan exited (${exited}) before it was running: see ${join(p.root, 'svscan.log')}`);
    if (Date.now() > deadline) throw new Fatal(111, 'svscan did not start within 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return child.pid!;
}

/** Brings `names` (default: every app that starts by default) up on a fresh or running state. */
export async function bringUp(stateDir: string, newDb: string, names: string[], opts: StartScannerOptions & { timeout?: number } = {}): Promise<void> {
  const p = statePaths(stateDir);
  const compiled = readCompiled(newDb);
  for (const a of compiled.apps) if (a.logDir) mkdirSync(a.logDir, { recursive: true });
  mkdirSync(p.einhorn, { recursive: true });
  if (!scannerRunning(p)) {
    // a stale state from a killed run: start over
    rmrf(p.live);
    if (existsSync(`${p.live}:servicedirs`)) rmrf(`${p.live}:servicedirs`);
    rmrf(p.scan);
    await startScanner(p, opts);
    setCurrent(stateDir, newDb);
    await must(['rc-init', '-c', join(newDb, 'compiled'), '-l', p.live, '-t', '30000', p.scan], 'rc-init');
  } else {
    const cur = currentDb(stateDir);
    if (cur !== newDb) {
      if (cur && sameSources(cur, newDb)) {
        rmrf(newDb);
        newDb = cur;
      } else {
        await must(['rc-update', '-l', p.live, '-t', '30000', join(newDb, 'compiled')], 'rc-update');
        setCurrent(stateDir, newDb);
      }
    }
  }
  pruneDbs(stateDir, newDb);
  const targets = names.length ? names.flatMap((n) => appByName(compiled, n).services.concat(appByName(compiled, n).kind === 'oneshot' ? [n] : [])) : [ALL_BUNDLE];
  await must(['rc', '-l', p.live, '-u', ...(opts.timeout ? ['-t', String(opts.timeout)] : []), 'change', ...new Set(targets)], 'rc change');
  for (const a of compiled.apps) {
    if (!a.instances || (names.length ? !names.includes(a.name) : !a.autostart)) continue;
    await scaleTo(p, a, a.instances);
  }
}

function sameSources(a: string, b: string): boolean {
  const tree = (d: string): string => {
    const out: string[] = [];
    const walk = (x: string, rel: string): void => {
      for (const n of readdirSync(x, { withFileTypes: true }).sort((u, v) => (u.name < v.name ? -1 : 1))) {
        if (n.isDirectory()) walk(join(x, n.name), `${rel}/${n.name}`);
        else out.push(`${rel}/${n.name}\n${readFileSync(join(x, n.name), 'utf8')}`);
      }
    };
    walk(join(d, 'src'), '');
    return out.join('\0');
  };
  try {
    return tree(a) === tree(b);
  } catch {
    return false;
  }
}

export function appByName(c: CompiledConfig, name: string): CompiledApp {
  const a = c.apps.find((x) => x.name === name);
  if (!a) throw new Fatal(100, `no app named ${name} in ${c.configFile}`);
  return a;
}

/** Makes an instanced app's instances exactly `names`. */
export async function scaleTo(p: StatePaths, app: CompiledApp, names: string[]): Promise<void> {
  const svc = join(p.scan, app.name);
  const have = new Set(listInstanceNames(svc));
  for (const n of names) if (!have.has(n)) await createInstance(svc, n, { timeout: 30000 });
  for (const n of have) if (!names.includes(n)) await deleteInstance(svc, n, { timeout: 30000 });
}

/** Stops the whole graph, then the scanner; removes the live state. */
export async function bringDown(stateDir: string, timeout = 0): Promise<boolean> {
  const p = statePaths(stateDir);
  if (!scannerRunning(p)) return false;
  if (existsSync(p.live)) await hexad(['rc', '-l', p.live, '-a', '-d', ...(timeout ? ['-t', String(timeout)] : []), 'change']);
  await hexad(['svscanctl', '-t', p.scan]);
  const deadline = Date.now() + 30000;
  while (scannerRunning(p) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  rmrf(p.live);
  if (existsSync(`${p.live}:servicedirs`)) rmrf(`${p.live}:servicedirs`);
  return true;
}
