// rc-update (s6-rc §6.1): switch a live directory to a new compiled database, restarting
// only what must restart. Everything runs in this process: the stop pass and the start pass
// are the `rc change` engine called directly (s6-rc-update execs s6-rc twice).
import { mkdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Fatal, errText } from '../s6/diag.js';
import { writeControl } from '../s6/control.js';
import { readStatus } from '../s6/status.js';
import { isLocked } from '../s6/lockfile.js';
import { unlinkQuietly } from '../s6/fifodir.js';
import { EventWaiter } from '../svscan/link.js';
import { loadDb, type Database } from './db.js';
import { Engine, type Output } from './engine.js';
import { exists, rmQuietly } from './files.js';
import { hiercopy } from '../s6/tree.js';
import { TRANSITIONS_DIR } from './transitions-log.js';
import { atomicSymlink, createLiveDir, newServiceDir, readPipeName, setPipeNames, superviseAll } from './init.js';
import { lexExecline, LexError } from './lexer.js';
import { readPrefix, readState, scandirOf, takeLiveLocks, takeLock } from './live.js';

export interface UpdateOptions {
  live: string;
  newCompiled: string;
  convFile: string;
  dryRun: boolean;
  verbosity: number;
  timeout: number;
  blocking: boolean;
  out: Output;
  /** how the dry run names the rc command it stands for */
  rcName: string;
}

/** What rc-update decided: old services to stop, new ones to start, the new state. */
export interface UpdatePlan {
  stop: number[];
  start: number[];
  newUp: Uint8Array;
  /** old index of each new service's conversion source, or -1 */
  source: Int32Array;
  /** old services whose supervisor is kept (up and not restarted) */
  keepOld: Uint8Array;
}

interface Conversion { newName?: string; restart: boolean }

/** Parses the conversion file: `oldname [-> newname] [restart]` per line, execline-lexed. */
export function parseConversions(text: string, old: Database, live: string): Map<number, Conversion> {
  const conv = new Map<number, Conversion>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    let words: string[];
    try {
      words = lexExecline(line);
    } catch (e) {
      if (!(e instanceof LexError)) throw e;
      if (e.kind === 'syntax') throw new Fatal(100, `syntax error in conversion file: ${line}`);
      throw new Fatal(100, `mismatched braces in conversion file: ${line}`);
    }
    if (!words.length) continue;
    const name = words[0];
    const i = old.atomic(name);
    if (i === undefined) {
      if (old.bundle(name)) throw new Fatal(5, `identifier ${name} does not represent an atomic service in ${live}/compiled`);
      throw new Fatal(3, `unknown identifier in ${live}/compiled: ${name}`);
    }
    if (conv.has(i)) throw new Fatal(6, `service ${name} appears more than once in conversion file`);
    const c: Conversion = { restart: false };
    let k = 1;
    if (words.length >= 3 && words[1] === '->') {
      c.newName = words[2];
      k = 3;
    }
    for (; k < words.length; k++) {
      if (words[k] === 'restart') c.restart = true;
      else throw new Fatal(100, `unknown keyword in conversion file: ${words[k]}`);
    }
    conv.set(i, c);
  }
  return conv;
}

/** The restart computation of s6-rc-update: an up service keeps running when it converts to
 * one service of the same type and everything it needs in the new database is up too;
 * otherwise it is stopped (with its dependents) and its new counterparts are started. */
export function planUpdate(old: Database, oldUp: Uint8Array, nw: Database, conv: Map<number, Conversion>, newDir: string): UpdatePlan {
  const restart = new Uint8Array(old.n);
  const oneToOne = new Uint8Array(old.n);
  const gone = new Uint8Array(old.n);
  const targets: number[][] = old.services.map(() => []);
  const source = new Int32Array(nw.n).fill(-1);
  for (let i = old.n - 1; i >= 0; i--) {
    const c = conv.get(i);
    if (c?.restart) restart[i] = 1;
    const newName = c?.newName ?? old.services[i].name;
    const members = nw.resolve(newName);
    if (!members) {
      if (c?.newName !== undefined) throw new Fatal(4, `bad conversion file: new service ${newName} is undefined in database ${newDir}`);
      gone[i] = 1;
      continue;
    }
    if (members.length === 1) oneToOne[i] = 1;
    for (const x of members) {
      if (source[x] >= 0) {
        throw new Fatal(6, `unable to convert database: new service ${nw.services[x].name} is a target for more than one conversion, including old service ${old.services[i].name}`);
      }
      source[x] = i;
      targets[i].push(x);
      // a change of type restarts; so does a conversion from or to an internal service
      if (oneToOne[i] && (old.isLongrun(i) !== nw.isLongrun(x) || !!old.services[i].internal !== !!nw.services[x].internal)) restart[i] = 1;
    }
  }

  for (;;) {
    const stopSet = new Uint8Array(old.n);
    const stopClosed = new Uint8Array(old.n);
    for (let i = 0; i < old.n; i++) {
      if (oldUp[i] && (restart[i] || !oneToOne[i])) stopSet[i] = stopClosed[i] = 1;
    }
    old.close(stopClosed, false);
    const up = new Uint8Array(nw.n);
    const wanted = new Uint8Array(nw.n);
    for (let i = 0; i < old.n; i++) {
      if (!oldUp[i]) continue;
      for (const x of targets[i]) {
        if (stopClosed[i]) wanted[x] = 1;
        else up[x] = 1;
      }
    }
    // a kept service that now needs a service which is not up must restart, with its dependents
    const needed = up.slice();
    nw.close(needed, true);
    const missing = new Uint8Array(nw.n);
    let done = true;
    for (let x = 0; x < nw.n; x++) if (needed[x] && !up[x]) { missing[x] = 1; done = false; }
    if (done) {
      const stop: number[] = [];
      for (let i = old.n - 1; i >= 0; i--) if (stopSet[i]) stop.push(i);
      const start: number[] = [];
      for (let x = nw.n - 1; x >= 0; x--) if (wanted[x]) start.push(x);
      const keepOld = new Uint8Array(old.n);
      for (let i = 0; i < old.n; i++) keepOld[i] = oldUp[i] && !stopClosed[i] ? 1 : 0;
      return { stop, start, newUp: up, source, keepOld };
    }
    nw.close(missing, false);
    for (let x = 0; x < nw.n; x++) if (missing[x] && up[x]) restart[source[x]] = 1;
  }
}

export async function rcUpdate(o: UpdateOptions): Promise<number> {
  if (!o.live.startsWith('/')) throw new Fatal(100, `${o.live} is not an absolute path`);
  if (!o.newCompiled.startsWith('/')) throw new Fatal(100, `${o.newCompiled} is not an absolute path`);
  const { live, out, verbosity } = o;
  const deadline = o.timeout ? Date.now() + o.timeout : Infinity;
  try {
    takeLiveLocks(live, true, o.blocking);
  } catch (e) {
    throw new Fatal(111, `unable to take lock on ${live} and ${live}/compiled: ${errText(e instanceof Fatal ? e.message.replace(/^unable to take locks: /, '') : e)}`);
  }
  try {
    takeLock(join(o.newCompiled, 'lock'), 'r', o.blocking);
  } catch (e) {
    throw new Fatal(111, `unable to take lock on ${o.newCompiled}: ${errText(e)}`);
  }
  const prefix = readPrefix(live);
  const old = loadDb(join(live, 'compiled'));
  const nw = loadDb(o.newCompiled);
  const state = readState(live, old.n);
  let convText = '';
  try {
    convText = readFileSync(o.convFile, 'utf8');
  } catch (e) {
    throw new Fatal(111, `unable to open ${o.convFile}: ${errText(e)}`);
  }
  if (verbosity >= 2) out.info('computing state adjustments');
  const plan = planUpdate(old, state, nw, parseConversions(convText, old, live), o.newCompiled);
  if (Date.now() >= deadline) throw new Fatal(10, 'timed out while computing state adjustments');

  const remaining = (): number => (deadline === Infinity ? 0 : Math.max(1, Math.round(deadline - Date.now())));
  if (o.dryRun) {
    const line = (flag: string, names: string[]): string =>
      `s6-rc-dryrun: ${o.rcName} -v ${verbosity} -t ${remaining()} -l ${live} ${flag} -- change${names.map((n) => ' ' + n).join('')}`;
    if (verbosity) {
      out.dry(line('-d', plan.stop.map((i) => old.services[i].name)));
      out.dry(line('-u', plan.start.map((x) => nw.services[x].name)));
    }
    return 0;
  }

  const scandir = scandirOf(live);
  // 1. stop what must stop, in the old database
  if (verbosity >= 2) out.info('stopping services in the old database');
  {
    const sel = new Uint8Array(old.n);
    for (const i of plan.stop) sel[i] = 1;
    old.close(sel, false);
    const engine = new Engine({ db: old, live, scandir, state, verbosity, dryRun: null, forceStop: false, deadline, out });
    let code: number;
    try {
      code = await withSignals(engine, () => engine.pass(sel, false));
    } catch (e) {
      if (e instanceof Fatal && e.code === 2) throw new Fatal(10, 'timed out while stopping services in the old database');
      throw e;
    }
    if (code) {
      if (verbosity) for (const l of engine.summary()) out.warn(l);
      throw new Fatal(9, 'unable to stop services in the old database: the live state was not switched');
    }
  }

  // 2. the new live directory; the services that keep running keep their directories
  if (verbosity >= 2) out.info('updating state and service directories');
  await switchLiveDir(o, old, nw, plan, prefix, scandir, deadline);

  // 3. start what must start, in the new database
  try {
    writeControl(scandir, '.s6-svscan', 'an');
  } catch { /* best effort, as s6-rc-update */ }
  if (verbosity >= 2) out.info('starting services in the new database');
  const sel = new Uint8Array(nw.n);
  for (const x of plan.start) sel[x] = 1;
  nw.close(sel, true);
  const newState = readState(live, nw.n);
  const engine = new Engine({ db: nw, live, scandir, state: newState, verbosity, dryRun: null, forceStop: false, deadline, out });
  const code = await withSignals(engine, () => engine.pass(sel, true));
  if (code && verbosity) for (const l of engine.summary()) out.warn(l);
  return code;
}

async function withSignals<T>(engine: Engine, f: () => Promise<T>): Promise<T> {
  const onTerm = (): void => engine.interrupt('TERM');
  const onInt = (): void => engine.interrupt('INT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    return await f();
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    engine.close();
  }
}

/** The files of a service directory that an update replaces (run is mandatory). */
const SERVICE_FILES = ['run', 'finish', 'notification-fd', 'lock-fd', 'timeout-kill', 'timeout-finish', 'max-death-tally',
  'down-signal', 'data', 'env', 'template', 'hexad-pipe-in', 'hexad-pipe-out'];

/** How long the supervisors of removed services get to exit before their directories go. */
const EXIT_WAIT_MS = 5000;

async function switchLiveDir(o: UpdateOptions, old: Database, nw: Database, plan: UpdatePlan, prefix: string, scandir: string, deadline: number): Promise<void> {
  const { live } = o;
  const liveDirOf = (name: string): string => join(live, 'servicedirs', name);
  // where the old service directories really are (they are links to the store)
  const oldReal: string[] = [];
  for (let i = 0; i < old.nlong; i++) {
    if (old.services[i].internal) continue;
    try {
      oldReal[i] = realpathSync(liveDirOf(old.services[i].name));
    } catch (e) {
      throw new Fatal(111, `unable to resolve ${liveDirOf(old.services[i].name)}: ${errText(e)}`);
    }
  }
  // pipes of consumers that keep running keep their name, so their producers find them
  const keepPipe = new Map<number, string>();
  for (let x = 0; x < nw.nlong; x++) {
    const i = plan.source[x];
    if (plan.newUp[x] && nw.services[x].producers?.length && i >= 0) {
      const name = readPipeName(oldReal[i]);
      if (name) keepPipe.set(x, name);
    }
  }
  const oldTarget = readLinkTarget(live);
  const dir = createLiveDir(live, 'update', o.newCompiled, readLinkTarget(join(live, 'scandir')), prefix, plan.newUp);
  const created: string[] = [];
  const swaps: OnlineSwap[] = [];
  try {
    for (let x = 0; x < nw.nlong; x++) {
      const s = nw.services[x];
      if (s.internal) continue;
      const from = join(o.newCompiled, 'servicedirs', s.name);
      let real: string;
      if (plan.newUp[x]) {
        // a service that keeps running keeps its directory; its files are swapped online
        real = oldReal[plan.source[x]];
        const swap = new OnlineSwap(real);
        swaps.push(swap);
        swap.swap(from, () => setPipeNames(nw, x, real, prefix, keepPipe));
      } else {
        real = newServiceDir(live, s.name);
        created.push(real);
        for (const f of SERVICE_FILES) if (exists(join(from, f))) hiercopy(join(from, f), join(real, f));
        setPipeNames(nw, x, real, prefix, keepPipe);
      }
      symlinkSync(real, join(dir, 'servicedirs', s.name));
    }
    carryTransitions(live, dir);
    atomicSymlink(basename(dir), live);
  } catch (e) {
    for (const swap of swaps.reverse()) swap.rollback();
    for (const d of created) rmQuietly(d);
    rmQuietly(dir);
    throw new Fatal(111, `unable to make new live directory in ${dir}: ${errText(e)}`);
  }
  // the point of no return is behind us
  for (const swap of swaps) swap.commit();
  if (o.verbosity >= 2) o.out.info('successfully switched to new database');
  const leaving = new EventWaiter('x');
  const gone: string[] = [];
  for (let i = old.nlong - 1; i >= 0; i--) {
    const s = old.services[i];
    if (s.internal) continue;
    // the scan directory entry goes; the supervisor of a service that is not carried over is
    // told to exit (through its own directory: the entry's name may already mean the new one)
    unlinkQuietly(join(scandir, prefix + s.name));
    if (plan.keepOld[i]) continue;
    gone.push(oldReal[i]);
    if (!isLocked(join(oldReal[i], 'supervise', 'lock'))) continue;
    try {
      leaving.add(join(oldReal[i], 'event'));
    } catch { /* nothing to wait for */ }
    writeControl(oldReal[i], 'supervise', 'xd');
  }
  rmQuietly(resolve(dirname(live), oldTarget));
  try {
    await leaving.wait(Math.min(deadline, Date.now() + EXIT_WAIT_MS));
  } catch { /* a supervisor slow to go does not hold the update */ }
  leaving.close();
  for (const d of gone) rmQuietly(d);
  await superviseAll(nw, live, scandir, prefix, deadline, 'manage new service directories in').catch((e: unknown) => {
    if (e instanceof Fatal && e.code === 100) throw new Fatal(100, `unable to manage new service directories in ${live}: s6-svscan not running on ${live}/scandir`);
    throw e;
  });
}

function readLinkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch (e) {
    throw new Fatal(111, `unable to readlink ${path}: ${errText(e)}`);
  }
}

/** s6rc_servicedir_copy_online: swap the files of a running service without restarting it.
 * While its files move, the supervisor is told `Q` (do not restart it, ./down); then `U`
 * if it was wanted up. The old files wait in `old/` until commit() or rollback(). */
class OnlineSwap {
  private readonly oldDir: string;
  private saved: string[] = [];
  private wantUp = false;
  private swapped = false;

  constructor(private readonly dir: string) {
    this.oldDir = join(dir, 'old');
  }

  swap(from: string, after: () => void): void {
    try {
      this.wantUp = readStatus(this.dir).wantUp;
    } catch { /* not supervised: a plain swap */ }
    writeControl(this.dir, 'supervise', 'Q');
    try {
      rmSync(this.oldDir, { recursive: true, force: true });
      mkdirSync(this.oldDir, 0o755);
      for (const f of SERVICE_FILES) {
        if (!exists(join(this.dir, f))) continue;
        renameSync(join(this.dir, f), join(this.oldDir, f));
        this.saved.push(f);
      }
      this.swapped = true;
      for (const f of SERVICE_FILES) if (exists(join(from, f))) hiercopy(join(from, f), join(this.dir, f));
      after();
    } finally {
      if (this.wantUp) writeControl(this.dir, 'supervise', 'U');
    }
  }

  commit(): void {
    rmQuietly(this.oldDir);
  }

  rollback(): void {
    if (!this.swapped) {
      rmQuietly(this.oldDir);
      return;
    }
    writeControl(this.dir, 'supervise', 'Q');
    try {
      for (const f of SERVICE_FILES) rmSync(join(this.dir, f), { recursive: true, force: true });
      for (const f of this.saved) renameSync(join(this.oldDir, f), join(this.dir, f));
      rmQuietly(this.oldDir);
    } catch { /* best effort: the error that made us roll back is what gets reported */ }
    if (this.wantUp) writeControl(this.dir, 'supervise', 'U');
  }
}

/** The rc transition records (metrics) follow the live state into the new live directory. */
function carryTransitions(live: string, dir: string): void {
  try {
    hiercopy(join(live, TRANSITIONS_DIR), join(dir, TRANSITIONS_DIR));
  } catch { /* none yet */ }
}
