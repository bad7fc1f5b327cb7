// The promise API over the same on-disk interface as the CLI (see docs/api.md).
import { join } from 'node:path';
import { Fatal } from '../s6/diag.js';
import { FifodirListener, makeFifodir } from '../s6/fifodir.js';
import { compileConfig, statePaths, type StatePaths } from './compile.js';
import { control as controlApp, type Verb } from './control.js';
import { bringDown, bringUp, currentDb, hexad, readCompiled, scannerRunning } from './runtime.js';
import { loadConfig as load, type LoadedConfig } from './load.js';
import { configOverview } from './overview.js';
import { logSources } from './api-helpers.js';
import { readLogs, type LogRecord } from './logs.js';
import type { Overview } from '../status/collect.js';

export interface ConfigOptions {
  /** the config file (default: hexad.config.* in `cwd`) */
  config?: string;
  /** where to look for the config (default process.cwd()) */
  cwd?: string;
}

/** A Fatal from hexad, as an Error with the exit code the CLI would use. */
export class HexadError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = 'HexadError';
  }
}

async function wrap<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof Fatal) throw new HexadError(e.message, e.code);
    throw e;
  }
}

export function loadConfig(o: ConfigOptions = {}): Promise<LoadedConfig> {
  return wrap(() => load(o.config, o.cwd));
}

async function ctx(o: ConfigOptions): Promise<{ lc: LoadedConfig; p: StatePaths }> {
  const lc = await load(o.config, o.cwd);
  return { lc, p: statePaths(lc.stateDir) };
}

export interface UpOptions extends ConfigOptions {
  /** only these apps (and what they depend on) */
  apps?: string[];
  /** svscan's HTTP server address, passed through */
  http?: string;
  /** ms for the whole transition, 0 = none */
  timeout?: number;
}

/** `hexad up -d`: compiles, starts the scanner if needed, brings the graph up. */
export function up(o: UpOptions = {}): Promise<void> {
  return wrap(async () => {
    const { lc } = await ctx(o);
    const names = o.apps ?? [];
    for (const n of names) if (!lc.config.apps.some((a) => a.name === n)) throw new Fatal(100, `no app named ${n} in ${lc.file}`);
    const { dir } = compileConfig(lc);
    await bringUp(lc.stateDir, dir, names, { http: o.http, timeout: o.timeout });
  });
}

/** `hexad down`: resolves true if something was running. */
export function down(o: ConfigOptions & { timeout?: number } = {}): Promise<boolean> {
  return wrap(async () => bringDown((await ctx(o)).lc.stateDir, o.timeout ?? 0));
}

/** `hexad ls --json`: schema hexad.status/1, with cpu (%) and memory (bytes) per row. */
export function status(o: ConfigOptions = {}): Promise<Overview> {
  return wrap(async () => configOverview((await ctx(o)).p));
}

export type ControlCommand = Verb;

/** start, stop, restart or reload one app by name. */
export function control(name: string, command: ControlCommand, o: ConfigOptions & { timeout?: number } = {}): Promise<void> {
  return wrap(async () => {
    const { lc, p } = await ctx(o);
    const db = currentDb(lc.stateDir);
    if (!db || !scannerRunning(p)) throw new Fatal(100, `nothing is running for ${lc.file}: call up() first`);
    await controlApp(p, readCompiled(db), name, command, o.timeout ?? 0);
  });
}

export type WaitState = 'up' | 'ready' | 'down';

/** Waits (s6-svwait semantics) until the app's service is up, ready or down. */
export function waitFor(name: string, state: WaitState, o: ConfigOptions & { timeout?: number } = {}): Promise<void> {
  return wrap(async () => {
    const { lc, p } = await ctx(o);
    if (!lc.config.apps.some((a) => a.name === name)) throw new Fatal(100, `no app named ${name} in ${lc.file}`);
    const flag = { up: '-u', ready: '-U', down: '-d' }[state];
    const r = await hexad(['svwait', flag, '-t', String(o.timeout ?? 0), join(p.scan, name)]);
    if (r.code === 99) throw new Fatal(99, `timed out waiting for ${name} to be ${state}`);
    if (r.code !== 0) throw new Fatal(r.code, r.stderr.trim() || `svwait exited ${r.code}`);
  });
}

/** One s6 event of a service: s (start), u (up), U (ready), d (down), D (really down), x (exit), O (once). */
export interface ServiceEvent { service: string; event: string; time: number }

/** What events() returns: an async iterator whose subscription starts at the call. */
export interface EventStream extends AsyncGenerator<ServiceEvent, void, undefined> {
  /** resolves once every service's event fifodir is subscribed (rejects as events() would) */
  subscribed: Promise<void>;
}

/** The s6 events of the config's services (each subscribed through its supervise/event
 * fifodir) until `signal` aborts. The subscription is made when events() is called, not when
 * the iterator is first read: `const ev = events(); await control(…); for await (… of ev)`
 * sees the events of that control (await `ev.subscribed` to be certain). */
export function events(o: ConfigOptions & { apps?: string[]; signal?: AbortSignal } = {}): EventStream {
  const queue: ServiceEvent[] = [];
  let wake: (() => void) | null = null;
  let listeners: FifodirListener[] = [];
  let closed = false;
  let started = false;
  const close = (): void => {
    closed = true;
    for (const l of listeners) l.close();
    listeners = [];
  };
  const subscribed = wrap(async () => {
    const { lc, p } = await ctx(o);
    const names = o.apps ?? readCompiled(currentDb(lc.stateDir) ?? '').apps.flatMap((a) => a.services);
    if (closed) return;
    for (const n of names) {
      const ev = join(p.scan, n, 'event');
      try { makeFifodir(ev, process.getegid!(), false); } catch { /* exists */ }
      const l = new FifodirListener(ev, (bytes) => {
        for (const c of bytes) queue.push({ service: n, event: c, time: Date.now() });
        const w = wake;
        wake = null;
        w?.();
      });
      // unref'd until someone reads: an events() nobody iterates must not keep the process up
      l.ref(false);
      listeners.push(l);
    }
  });
  subscribed.catch(() => { /* reported by the first next() */ });
  async function* iterate(): AsyncGenerator<ServiceEvent, void, undefined> {
    started = true;
    try {
      await subscribed;
    } catch (e) {
      close();
      throw e;
    }
    // an iterator being awaited keeps the process alive
    for (const l of listeners) l.ref(true);
    const keepAlive = setInterval(() => {}, 1 << 30);
    const onAbort = (): void => { const w = wake; wake = null; w?.(); };
    o.signal?.addEventListener('abort', onAbort);
    try {
      while (!o.signal?.aborted) {
        while (queue.length) yield queue.shift()!;
        if (o.signal?.aborted) break;
        await new Promise<void>((r) => { wake = r; });
      }
    } finally {
      clearInterval(keepAlive);
      o.signal?.removeEventListener('abort', onAbort);
      close();
    }
  }
  const gen = iterate();
  // return() on a generator that never started does not run its finally: close here too
  const ret = gen.return.bind(gen);
  gen.return = (v) => { close(); return ret(v); };
  // aborted before anyone iterated: nobody will run the generator's finally
  o.signal?.addEventListener('abort', () => { if (!started) close(); }, { once: true });
  return Object.assign(gen, { subscribed });
}

export interface LogsOptions extends ConfigOptions {
  apps?: string[];
  /** the last N records of history (default all) */
  lines?: number;
  /** ms since the epoch */
  since?: number;
  follow?: boolean;
  signal?: AbortSignal;
}

/** The apps' log records merged in time order; with follow, then new ones as they come. */
export async function* logs(o: LogsOptions = {}): AsyncGenerator<LogRecord> {
  const { lc } = await wrap(() => ctx(o));
  const sources = await wrap(async () => logSources(lc, o.apps));
  yield* readLogs(sources, { lines: o.lines, since: o.since, follow: o.follow, signal: o.signal });
}
