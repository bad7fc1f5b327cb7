// rc-compile: sources in, compiled database directory out. Checks and messages are
// s6-rc-compile 0.5.4.1's; the output is hexad's own format (db.ts), written into a
// temporary directory next to the destination and renamed into place, so a failed compile
// leaves nothing behind and a reader never sees a half-written database.
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, renameSync, rmdirSync, statSync,
  writeFileSync, accessSync, constants as C } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lock } from '../native/index.js';
import { Fatal, errText } from '../s6/diag.js';
import { DB_FILE, DB_FORMAT, DB_VERSION, type DbBundle, type DbFile, type DbService } from './db.js';
import { rmQuietly } from './files.js';
import { hiercopy } from '../s6/tree.js';
import { INTERNALS, Sources, checkIdentifier, readUintFile, type LongrunDef, type Reporter, type SourceType } from './source.js';

/** The files hexad svscan reads to give a service a pipe held by the scanner (fd 0 / fd 1). */
export const PIPE_IN = 'hexad-pipe-in';
export const PIPE_OUT = 'hexad-pipe-out';
export const pipeName = (prefix: string, consumer: string): string => `rc:${prefix}${consumer}`;

export interface CompileOptions extends Reporter {
  /** -h: accepted for compatibility; there is no fd-holder service to run as another user */
  fdholderUser?: string;
}

/** Reads, resolves and checks the sources; returns the database and each longrun's source. */
export function compileSources(sources: string[], r: Reporter): { file: DbFile; srcdirs: string[] } {
  const src = new Sources(r);
  for (const s of sources) src.addSource(s);
  addPipelineBundles(src, r);
  const nlong = src.longruns.length;
  const n = nlong + src.oneshots.length;
  const indexOf = (name: string): { type?: SourceType; index: number } => {
    const info = src.info(name);
    if (!info?.type) return { index: -1 };
    return { type: info.type, index: info.type === 'oneshot' ? nlong + info.i : info.i };
  };

  // bundles: members as sets of atomic indices, cycles and undefined members are fatal
  if (r.verbosity >= 2) r.info('resolving bundle names');
  const members: Array<Set<number> | undefined> = new Array(src.bundles.length);
  const inProgress = new Set<number>();
  const resolveBundle = (b: number, top: number): Set<number> => {
    const done = members[b];
    if (done) return done;
    const me = src.bundles[b];
    if (inProgress.has(b)) {
      throw new Fatal(1, `cyclic bundle definition: resolution of ${src.bundles[top].name} encountered a cycle involving ${me.name}`);
    }
    inProgress.add(b);
    const set = new Set<number>();
    for (const m of me.contents) {
      const t = indexOf(m);
      if (t.type === 'bundle') for (const x of resolveBundle(src.info(m)!.i, top)) set.add(x);
      else if (t.type) set.add(t.index);
      else throw new Fatal(1, `during resolution of bundle ${me.name}: undefined service name ${m}`);
    }
    members[b] = set;
    return set;
  };
  src.bundles.forEach((_, b) => resolveBundle(b, b));

  // services: producers/consumers, then dependencies (bundles expand to their members)
  if (r.verbosity >= 2) r.info('resolving service names');
  const defs = [...src.longruns, ...src.oneshots];
  const deps: Array<Set<number>> = defs.map(() => new Set<number>());
  const consumer: number[] = new Array(nlong).fill(-1);
  const producers: number[][] = src.longruns.map(() => []);
  const typeName = (t?: SourceType): string => t ?? 'unknown';
  for (let i = 0; i < n; i++) {
    const d = defs[i];
    if (d.kind === 'longrun') {
      if (d.consumer !== undefined) {
        const c = indexOf(d.consumer);
        if (c.type !== 'longrun') {
          throw new Fatal(1, `longrun service ${d.name} declares being a producer for a service named ${d.consumer} of type ${typeName(c.type)}`);
        }
        const cdef = src.longruns[c.index];
        let found = false;
        for (const p of cdef.producers) {
          const q = indexOf(p);
          if (q.type !== 'longrun') throw new Fatal(1, `longrun service ${cdef.name} declares a consumer ${p} of type ${typeName(q.type)}`);
          if (q.index === i) { found = true; break; }
        }
        if (!found) throw new Fatal(1, `longrun service ${d.name} declares being a producer for a service named ${d.consumer} that does not declare it back`);
        consumer[i] = c.index;
      }
      for (const p of d.producers) {
        const q = indexOf(p);
        if (q.type !== 'longrun') throw new Fatal(1, `longrun service ${d.name} declares being the consumer for a service named ${p} of type ${typeName(q.type)}`);
        const pdef = src.longruns[q.index];
        const back = pdef.consumer === undefined ? { type: 'longrun' as SourceType, index: 0 } : indexOf(pdef.consumer);
        if (back.type !== 'longrun') throw new Fatal(1, `longrun service ${p} declares a producer ${pdef.consumer} of type ${typeName(back.type)}`);
        if (back.index !== i) throw new Fatal(1, `longrun service ${d.name} declares being the consumer for a service named ${p} that does not declare it back`);
        producers[i].push(q.index);
      }
    }
    for (const name of d.deps) {
      const t = indexOf(name);
      if (t.type === 'bundle') for (const x of members[src.info(name)!.i]!) deps[i].add(x);
      else if (t.type) deps[i].add(t.index);
      else throw new Fatal(1, `during dependency resolution for service ${d.name}: undefined service name ${name}`);
    }
  }

  const fwd = deps.map((s) => [...s].sort((a, b) => a - b));
  const rev: number[][] = defs.map(() => []);
  fwd.forEach((list, i) => { for (const j of list) rev[j].push(i); });
  if (r.verbosity >= 3) r.info('checking database correctness');
  const names = defs.map((d) => d.name);
  const cycle = findCycle(fwd);
  if (cycle) throw new Fatal(1, `cyclic service dependency reached from ${names[cycle[0]]} and involving ${names[cycle[1]]}`);
  const pipe = checkPipelines(nlong, consumer, producers);
  if (pipe) {
    throw new Fatal(1, `${pipe.kind === 'cycle' ? 'cyclic longrun pipeline' : 'longrun pipeline collision'} reached from ${names[pipe.left]} and involving ${names[pipe.right]}`);
  }

  const flags = defs.map((d) => d.flags);
  src.bundles.forEach((b, k) => { if (b.flags) for (const x of members[k]!) flags[x] |= b.flags; });

  const services: DbService[] = defs.map((d, i) => {
    const s: DbService = { name: d.name, type: d.kind, flags: flags[i], timeout: d.timeout, deps: fwd[i], rdeps: rev[i] };
    if (d.kind === 'longrun') {
      if (d.internal) s.internal = true;
      if (consumer[i] >= 0) s.consumer = consumer[i];
      if (producers[i].length) s.producers = producers[i];
    } else {
      s.up = d.up;
      s.down = d.down;
    }
    return s;
  });
  const bundles: DbBundle[] = src.bundles.map((b, k) => ({ name: b.name, contents: [...members[k]!].sort((a, b2) => a - b2) }));
  const file: DbFile = { format: DB_FORMAT, version: DB_VERSION, nlong, services, bundles };
  return { file, srcdirs: src.longruns.map((l) => l.srcdir) };
}

/** A bundle named by `pipeline-name` on each last consumer: every longrun upstream of it. */
function addPipelineBundles(src: Sources, r: Reporter): void {
  if (r.verbosity >= 2) r.info('making bundles for pipelines');
  const nlong = src.longruns.length;
  for (let i = nlong - 1; i >= 0; i--) {
    const last = src.longruns[i];
    if (!last.pipelineName) continue;
    const bname = last.pipelineName;
    if (r.verbosity >= 3) r.info(`creating bundle for pipeline ${bname}`);
    checkIdentifier(INTERNALS, bname);
    src.define(INTERNALS, bname, 'bundle');
    const contents: string[] = [];
    const walk = (name: string): SourceType | undefined => {
      const info = src.info(name);
      if (info?.type !== 'longrun') return info?.type;
      if (contents.length >= nlong) throw new Fatal(1, `pipeline ${bname} is too long: possible loop involving ${name}`);
      contents.push(name);
      const def: LongrunDef = src.longruns[info.i];
      for (const p of def.producers) {
        const t = walk(p);
        if (t !== 'longrun') throw new Fatal(1, `longrun ${name} declares a producer ${p} of type ${t ?? 'unknown'}`);
      }
      return 'longrun';
    };
    walk(last.name);
    src.bundles.push({ kind: 'bundle', name: bname, srcdir: INTERNALS, contents, flags: 0 });
  }
}

/** Depth-first search from the highest index, following dependencies from the last: the
 * first service met twice on the current path. Returns [start, service] or null. */
export function findCycle(fwd: number[][]): [number, number] | null {
  const n = fwd.length;
  const onPath = new Uint8Array(n);
  const done = new Uint8Array(n);
  const visit = (i: number): number => {
    if (done[i]) return -1;
    if (onPath[i]) return i;
    onPath[i] = 1;
    const list = fwd[i];
    for (let k = list.length - 1; k >= 0; k--) {
      const r = visit(list[k]);
      if (r >= 0) return r;
    }
    done[i] = 1;
    return -1;
  };
  for (let i = n - 1; i >= 0; i--) {
    const r = visit(i);
    if (r >= 0) return [i, r];
  }
  return null;
}

/** Every producer chain must end at one last consumer, without loops or shared members. */
export function checkPipelines(nlong: number, consumer: number[], producers: number[][]): { kind: 'cycle' | 'collision'; left: number; right: number } | null {
  const seen = new Uint8Array(nlong);   // 1 visiting, 2 done, 4 faulty
  const walk = (i: number): number => {
    if (seen[i] & 3) return i;
    seen[i] |= 1;
    for (const j of producers[i] ?? []) {
      if (j >= nlong) { seen[i] |= 4; return i; }
      if (consumer[j] !== i) { seen[j] |= 4; return j; }
      const r = walk(j);
      if (r >= 0) return r;
    }
    seen[i] |= 2;
    return -1;
  };
  for (let i = nlong - 1; i >= 0; i--) {
    if (consumer[i] < 0 && producers[i]?.length) {
      const j = walk(i);
      if (j >= 0) return { kind: seen[j] & 4 || seen[j] & 2 ? 'collision' : 'cycle', left: i, right: j };
    }
  }
  for (let i = nlong - 1; i >= 0; i--) {
    if (!seen[i] && producers[i]?.length) return { kind: 'cycle', left: consumer[i], right: i };
  }
  return null;
}

/** The whole of rc-compile: compile `sources` into the new directory `dest`. */
export function compile(dest: string, sources: string[], opts: CompileOptions): void {
  try {
    statSync(dest);
    throw new Fatal(111, `unable to mkdir ${dest}: File exists`);
  } catch (e) {
    if (e instanceof Fatal) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Fatal(111, `unable to mkdir ${dest}: ${errText(e)}`);
  }
  const { file, srcdirs } = compileSources(sources, opts);
  // reserve the name (mkdir fails when it exists), build beside it, then rename over it
  try {
    mkdirSync(dest, 0o755);
  } catch (e) {
    throw new Fatal(111, `unable to mkdir ${dest}: ${errText(e)}`);
  }
  let tmp: string;
  try {
    tmp = mkdtempSync(join(dirname(dest), `.${basename(dest)}:rc-compile:`));
  } catch (e) {
    rmdirQuietly(dest);
    throw new Fatal(111, `unable to mkdir ${dest}: ${errText(e)}`);
  }
  try {
    if (opts.verbosity >= 2) opts.info(`writing compiled information to ${dest}`);
    chmodSync(tmp, 0o755);
    const lockFd = openSync(join(tmp, 'lock'), C.O_RDWR | C.O_CREAT, 0o644);
    try {
      lock(lockFd, 'w', false);
      mkdirSync(join(tmp, 'servicedirs'), 0o755);
      writeServicedirs(tmp, file, srcdirs, opts);
      writeFileSync(join(tmp, DB_FILE), JSON.stringify(file) + '\n', { mode: 0o644 });
      renameSync(tmp, dest);
    } finally {
      closeSync(lockFd);
    }
  } catch (e) {
    rmQuietly(tmp);
    rmdirQuietly(dest);
    if (e instanceof Fatal) throw e;
    throw new Fatal(111, `unable to write compiled database to ${dest}: ${errText(e)}`);
  }
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch { /* not ours any more, or not empty */ }
}

/** The s6 service directory of each user longrun (§1.2, §2.4), plus the pipe files of
 * pipelined ones, which hexad svscan turns into a pipe it holds. */
function writeServicedirs(compiled: string, file: DbFile, srcdirs: string[], r: Reporter): void {
  if (r.verbosity >= 3) r.info(`writing ${compiled}/servicedirs`);
  for (let i = 0; i < file.nlong; i++) {
    const s = file.services[i];
    if (s.internal) continue;
    const from = `${srcdirs[i]}/${s.name}`;
    const to = join(compiled, 'servicedirs', s.name);
    const fail = (what: string, e: unknown): Fatal => new Fatal(111, `unable to ${what}: ${errText(e)}`);
    try {
      mkdirSync(to, 0o755);
    } catch (e) {
      throw fail(`mkdir ${to}`, e);
    }
    try {
      accessSync(`${from}/finish`, C.R_OK);
      try {
        copyDeref(`${from}/finish`, join(to, 'finish'), 0o755);
      } catch (e) {
        throw fail(`copy ${from}/finish to ${to}/finish`, e);
      }
    } catch (e) {
      if (e instanceof Fatal) throw e;
    }
    try {
      copyDeref(`${from}/run`, join(to, 'run'), 0o755);
    } catch (e) {
      throw fail(`copy ${from}/run to ${to}/run`, e);
    }
    const notif = copyUint(from, to, 'notification-fd');
    if (notif !== null && notif < 3 && r.verbosity) r.warn(`longrun ${s.name} has a notification-fd of ${notif}`);
    const lockFd = copyUint(from, to, 'lock-fd');
    if (lockFd !== null) {
      if (lockFd < 3) {
        if (r.verbosity) r.warn(`longrun ${s.name} has a lock-fd of ${lockFd}`);
      } else if (notif !== null && notif >= 3 && notif === lockFd) {
        throw new Fatal(1, `longrun ${s.name} has the same value for notification-fd and lock-fd`);
      }
    }
    for (const f of ['timeout-kill', 'timeout-finish', 'max-death-tally']) copyUint(from, to, f);
    try {
      copyDeref(`${from}/down-signal`, join(to, 'down-signal'), 0o644);
    } catch { /* s6-rc-compile ignores this copy's errors too */ }
    if (copyDir(`${from}/template`, join(to, 'template'))) {
      mkdirSync(join(to, 'instances'), 0o755);
      mkdirSync(join(to, 'instance'), 0o755);
    }
    copyDir(`${from}/data`, join(to, 'data'));
    copyDir(`${from}/env`, join(to, 'env'));
    if (s.producers?.length) writeFileSync(join(to, PIPE_IN), pipeName('', s.name) + '\n');
    if (s.consumer !== undefined) writeFileSync(join(to, PIPE_OUT), pipeName('', file.services[s.consumer].name) + '\n');
  }
}

function copyDeref(from: string, to: string, mode: number): void {
  copyFileSync(from, to);
  chmodSync(to, mode);
}

function copyUint(from: string, to: string, file: string): number | null {
  const u = readUintFile(`${from}/${file}`);
  if (u === null) return null;
  try {
    writeFileSync(join(to, file), `${u}\n`);
    chmodSync(join(to, file), 0o644);
  } catch (e) {
    throw new Fatal(111, `unable to write to ${join(to, file)}: ${errText(e)}`);
  }
  return u;
}

function copyDir(from: string, to: string): boolean {
  let st;
  try {
    st = statSync(from);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Fatal(111, `unable to stat ${from}: ${errText(e)}`);
  }
  if (!st.isDirectory()) throw new Fatal(1, `${from} is not a directory`);
  try {
    hiercopy(from, to);
  } catch (e) {
    throw new Fatal(111, `unable to recursively copy ${from} to ${to}: ${errText(e)}`);
  }
  return true;
}

