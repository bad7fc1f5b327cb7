// rc-init (s6-rc §3): create the live directory for a compiled database and link its
// longruns, all down, into the scan directory of a running svscan. Unlike s6-rc-init 0.5.4.1
// it refuses a live directory that is in use (instead of deleting its link) and accepts
// `-l live/`.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, statSync,
  symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Fatal, errText } from '../s6/diag.js';
import { isLocked } from '../s6/lockfile.js';
import { linkNames, TimeoutError } from '../svscan/link.js';
import { PIPE_IN, PIPE_OUT, pipeName } from './compile.js';
import { loadDb, type Database } from './db.js';
import { exists, rmQuietly } from './files.js';
import { hiercopy } from '../s6/tree.js';

export interface InitOptions {
  compiled: string;
  live: string;
  scandir: string;
  prefix: string;
  /** ms, 0 = none */
  timeout: number;
  /** -d: record the compiled directory's real path */
  deref: boolean;
}

export async function rcInit(o: InitOptions): Promise<void> {
  if (!o.deref && !o.compiled.startsWith('/')) throw new Fatal(100, `${o.compiled} is not an absolute path`);
  if (!o.live.startsWith('/')) throw new Fatal(100, `${o.live} is not an absolute path`);
  if (!o.scandir.startsWith('/')) throw new Fatal(100, `${o.scandir} is not an absolute path`);
  if (o.prefix.includes('/') || o.prefix.includes('\n')) throw new Fatal(100, 'prefix cannot contain a / or a newline');
  const deadline = o.timeout ? Date.now() + o.timeout : Infinity;
  let compiled = o.compiled;
  if (o.deref) {
    try {
      compiled = realpathSync(compiled);
    } catch (e) {
      throw new Fatal(111, `unable to realpath ${compiled}: ${errText(e)}`);
    }
  }
  try {
    statSync(compiled);
  } catch (e) {
    throw new Fatal(111, `unable to open ${compiled}: ${errText(e)}`);
  }
  const db = loadDb(compiled);
  refuseExistingLive(o.live);

  cleanStore(o.live);
  const dir = createLiveDir(o.live, 'init', compiled, o.scandir, o.prefix, new Uint8Array(db.n));
  const created: string[] = [];
  const undo = (): void => {
    rmQuietly(dir);
    for (const d of created) rmQuietly(d);
  };
  try {
    for (let i = 0; i < db.nlong; i++) {
      const s = db.services[i];
      if (s.internal) continue;
      const real = newServiceDir(o.live, s.name);
      created.push(real);
      hiercopy(join(compiled, 'servicedirs', s.name), real);
      setPipeNames(db, i, real, o.prefix, new Map());
      symlinkSync(real, join(dir, 'servicedirs', s.name));
    }
  } catch (e) {
    undo();
    throw new Fatal(111, `unable to recursively copy ${compiled}/servicedirs to ${dir}/servicedirs: ${errText(e)}`);
  }
  try {
    atomicSymlink(basename(dir), o.live);
  } catch (e) {
    undo();
    throw new Fatal(111, `unable to symlink ${basename(dir)} to ${o.live}: ${errText(e)}`);
  }
  try {
    await superviseAll(db, o.live, o.scandir, o.prefix, deadline);
  } catch (e) {
    try {
      unlinkSync(o.live);
    } catch { /* already gone */ }
    undo();
    throw e;
  }
}

/** Where the live service directories really are: `LIVE:servicedirs/NAME:XXXXXX`, a path
 * that no update ever changes (LIVE/servicedirs/NAME is a link to it). s6-rc-update renames
 * a kept service directory into the new live directory, which s6-supervise follows (it
 * lives in that directory) but a supervisor that remembers its path would not. */
export const storeOf = (live: string): string => `${live}:servicedirs`;

export function newServiceDir(live: string, name: string): string {
  const store = storeOf(live);
  mkdirSync(store, { recursive: true, mode: 0o755 });
  const real = mkdtempSync(join(store, `${name}:`));
  chmodSync(real, 0o755);
  return real;
}

/** Before a fresh rc-init: service directories left by a live state that is gone, and that
 * no supervisor holds any more. */
function cleanStore(live: string): void {
  let names: string[];
  try {
    names = readdirSync(storeOf(live));
  } catch {
    return;
  }
  for (const n of names) {
    const d = join(storeOf(live), n);
    if (!isLocked(join(d, 'supervise', 'lock'))) rmQuietly(d);
  }
}

/** s6-rc-init 0.5.4.1 would delete the `live` link of a running system here; refuse instead.
 * A link whose target is gone (a crash, a reboot without tmpfs) is stale and replaced. */
function refuseExistingLive(live: string): void {
  let st;
  try {
    st = lstatSync(live);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Fatal(111, `unable to stat ${live}: ${errText(e)}`);
  }
  if (st.isSymbolicLink() && !exists(live + '/.')) {
    unlinkSync(live);
    return;
  }
  throw new Fatal(111, `unable to create live directory ${live}: File exists (use rc-update to switch it to another database)`);
}

/** mkdtemp LIVE:s6-rc-TOOL:XXXXXX with servicedirs/, compiled, scandir, prefix, state, lock. */
export function createLiveDir(live: string, tool: string, compiled: string, scandir: string, prefix: string, state: Uint8Array): string {
  let dir: string;
  try {
    dir = mkdtempSync(join(dirname(live), `${basename(live)}:s6-rc-${tool}:`));
  } catch (e) {
    throw new Fatal(111, `unable to create live directory: ${errText(e)}`);
  }
  try {
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'servicedirs'), 0o755);
    symlinkSync(compiled, join(dir, 'compiled'));
    symlinkSync(scandir, join(dir, 'scandir'));
    writeFileSync(join(dir, 'prefix'), prefix);
    writeFileSync(join(dir, 'state'), Buffer.from(state));
    writeFileSync(join(dir, 'lock'), '');
  } catch (e) {
    rmQuietly(dir);
    throw new Fatal(111, `unable to create live directory: ${errText(e)}`);
  }
  return dir;
}

/** Names the pipes hexad svscan holds for a pipelined longrun: one per consumer, unique in
 * the scan directory thanks to the prefix. `keep` maps a consumer to the pipe name it had
 * before an rc-update, so renamed pipelines keep their pipe. */
export function setPipeNames(db: Database, i: number, dir: string, prefix: string, keep: Map<number, string>): void {
  const s = db.services[i];
  const nameOf = (c: number): string => keep.get(c) ?? pipeName(prefix, db.services[c].name);
  if (s.producers?.length) writeFileSync(join(dir, PIPE_IN), nameOf(i) + '\n');
  if (s.consumer !== undefined) writeFileSync(join(dir, PIPE_OUT), nameOf(s.consumer) + '\n');
}

export function readPipeName(dir: string): string | null {
  try {
    return readFileSync(join(dir, PIPE_IN), 'utf8').split('\n')[0] || null;
  } catch {
    return null;
  }
}

/** Points `link` at `target` atomically (a temporary link renamed over it). */
export function atomicSymlink(target: string, link: string): void {
  const tmp = `${link}.new-${process.pid}`;
  try {
    unlinkSync(tmp);
  } catch { /* usual case */ }
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, link);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch { /* nothing more to do */ }
    throw e;
  }
}

/** Links LIVE/servicedirs/NAME (through the live link) into the scan directory as
 * PREFIX+NAME, each with ./down, and waits for the new supervisors. */
export async function superviseAll(db: Database, live: string, scandir: string, prefix: string, deadline: number, what = 'supervise service directories in'): Promise<void> {
  const dirs: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < db.nlong; i++) {
    const s = db.services[i];
    if (s.internal) continue;
    dirs.push(join(live, 'servicedirs', s.name));
    names.push(prefix + s.name);
  }
  try {
    await linkNames(scandir, dirs, names, { down: true, deadline });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw new Fatal(100, `unable to ${what} ${live}/servicedirs: s6-svscan not running on ${scandir}`);
    if (e instanceof TimeoutError) throw new Fatal(111, `unable to ${what} ${live}/servicedirs: Connection timed out`);
    throw new Fatal(111, `unable to ${what} ${live}/servicedirs: ${errText(e)}`);
  }
}
