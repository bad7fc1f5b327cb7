// hexad svscan: every service directory of a scan directory supervised by one in-process
// Supervisor (s6-svscan starts one s6-supervise process per service; a Node process each
// would cost tens of MB). Entries, rescans, the control FIFO bytes, the kill rules and the
// logger pipes follow s6-svscan 2.11.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { Fatal, errText, fatalSys, type Warn } from '../s6/diag.js';
import { ensureFifo, FifoReader } from '../s6/fifo.js';
import { tryLockFile } from '../s6/lockfile.js';
import { readStatus } from '../s6/status.js';
import { findOrphan } from '../supervise/orphan.js';
import { Supervisor, type Stdio } from '../supervise/supervisor.js';
import { OneshotRunner } from './oneshot-runner.js';
import { HostedLoggers } from './hosted-logger.js';
import { PipeRegistry, reopenPipe, type HeldPipe } from './pipes.js';

export const SPECIAL_LOGGER = 's6-svscan-log';
const DIR_RETRY_MS = 3000;
const RESTART_DELAY_MS = 1000;

/** Kill masks of s6-svscan's killthem(): 1 = every service (not only inactive ones),
 * 2 = SIGTERM to services, 4 = SIGTERM to loggers and the special logger (else SIGHUP). */
export const KILL = { inactive: 2, inactiveAll: 6, term: 3, quit: 7 } as const;

interface Slot {
  readonly name: string;
  readonly isLogger: boolean;
  sup: Supervisor | null;
  /** Date.now() ms before which the supervisor is not (re)started */
  restartAfter: number;
  pipeIn: HeldPipe | null;
  pipeOut: HeldPipe | null;
}

interface Entry {
  readonly key: string;
  readonly name: string;
  active: boolean;
  /** a pipe end was let go while tearing down: the entry cannot be reused */
  broken: boolean;
  /** seen in the scan directory again while being torn down: rescan once it is gone */
  reactivate: boolean;
  readonly special: boolean;
  readonly service: Slot;
  readonly logger: Slot | null;
}

export interface ScannerOptions {
  prog: string;
  warn: Warn;
  /** s6-svscan -c: entries (a service and its logger count as one) */
  maxServices: number;
  /** s6-svscan -t: ms between automatic rescans; 0 = never */
  rescanMs: number;
  /** called when the scanner has stopped (after `t`, `q` or `b`): waitAll tells whether
   * every supervisor was waited for */
  onStopped: (waitedForAll: boolean) => void;
}

/** Sees every supervisor event of the tree as it happens (the HTTP server's hub). */
export interface ScannerObserver {
  event(name: string, isLogger: boolean, sup: Supervisor, events: string): void;
}

export interface SupervisedSlot { name: string; isLogger: boolean; sup: Supervisor }

export class Scanner {
  observer: ScannerObserver | null = null;
  private readonly entries = new Map<string, Entry>();
  private readonly pipes = new PipeRegistry();
  private readonly hostedLoggers = new HostedLoggers();

  /** The counters of the loggers the scanner hosts (for the metrics). */
  loggerCounters(): ReturnType<HostedLoggers['loggerCounters']> {
    return this.hostedLoggers.loggerCounters();
  }
  private readonly baseStdio: Stdio = { stdin: 0, stdout: 1, stderr: 2 };
  private devNullIn = -1;
  private devNullOut = -1;
  private lockFd = -1;
  private control: FifoReader | null = null;
  private runner: OneshotRunner | null = null;
  private scanTimer: NodeJS.Timeout | null = null;
  private scanTimerAt = Infinity;
  private periodic: NodeJS.Timeout | null = null;
  private stopping = false;
  private waitAll = true;

  constructor(private readonly opts: ScannerOptions) {}

  /** control_init: .s6-svscan/, its lock and control FIFO. The cwd is the scan directory. */
  init(): void {
    const umask = process.umask(0);
    try {
      try {
        mkdirSync('.s6-svscan', 0o700);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fatalSys(111, 'mkdir .s6-svscan', e);
        let st;
        try {
          st = statSync('.s6-svscan');
        } catch (e2) {
          throw fatalSys(111, 'stat .s6-svscan', e2);
        }
        if (!st.isDirectory()) throw new Fatal(100, '.s6-svscan exists and is not a directory');
      }
      let fd: number | null;
      try {
        fd = tryLockFile('.s6-svscan/lock', 0o600);
      } catch (e) {
        throw fatalSys(111, 'lock .s6-svscan/lock', e);
      }
      if (fd === null) throw new Fatal(100, 'another instance of s6-svscan is already running on the same directory');
      this.lockFd = fd;
      try {
        ensureFifo('.s6-svscan/control', 0o600, '.s6-svscan/control');
      } catch (e) {
        if (e instanceof Fatal) throw e;
        throw fatalSys(111, 'mkfifo .s6-svscan/control', e);
      }
      try {
        this.control = new FifoReader('.s6-svscan/control', (chunk) => this.onControl(chunk.toString('latin1')));
      } catch (e) {
        throw fatalSys(111, 'open .s6-svscan/control for reading', e);
      }
    } finally {
      process.umask(umask);
    }
    // s6-rc's oneshots run as children of the tree: `hexad rc` hands them to this runner
    this.runner = new OneshotRunner('.s6-svscan/hexad-runner', this.opts.warn);
    try {
      this.runner.start();
    } catch (e) {
      this.opts.warn(`unable to start the oneshot runner: ${errText(e)}`);
      this.runner = null;
    }
    this.devNullIn = openSync('/dev/null', C.O_RDONLY);
    this.devNullOut = openSync('/dev/null', C.O_WRONLY);
  }

  /** Starts scanning: the first scan now, then every `rescanMs` if set. */
  start(): void {
    if (this.opts.rescanMs > 0) this.periodic = setInterval(() => this.scan(), this.opts.rescanMs);
    this.scan();
  }

  /** The supervisors running now, services and loggers (for observers). */
  supervisors(): SupervisedSlot[] {
    const out: SupervisedSlot[] = [];
    for (const e of this.entries.values()) {
      for (const slot of [e.service, e.logger]) if (slot?.sup) out.push({ name: slot.name, isLogger: slot.isLogger, sup: slot.sup });
    }
    return out;
  }

  // ---- control ------------------------------------------------------------------------------

  private onControl(bytes: string): void {
    for (const c of bytes) {
      switch (c) {
        case 'z': break; // libuv reaps our children; nothing else to reap
        case 'a': this.scan(); break;
        case 'b': this.stop(false, 0); break;
        case 'h': this.scan(); this.kill(KILL.inactive); break;
        case 'i': case 't': this.stop(true, KILL.term); break;
        case 'q': this.stop(true, KILL.quit); break;
        case 'n': this.kill(KILL.inactive); break;
        case 'N': this.kill(KILL.inactiveAll); break;
        default: this.opts.warn(`received unknown control command: ${c}`);
      }
    }
  }

  /** The built-in meaning of a signal, used when no .s6-svscan/SIG* script handles it. */
  builtinSignal(sig: string): void {
    switch (sig) {
      case 'SIGHUP': this.scan(); this.kill(KILL.inactive); break;
      case 'SIGINT': case 'SIGTERM': this.stop(true, KILL.term); break;
      case 'SIGQUIT': this.stop(true, KILL.quit); break;
      case 'SIGALRM': this.scan(); break;
      case 'SIGABRT': this.stop(false, 0); break;
    }
  }

  /** killthem(): SIGTERM or SIGHUP to the supervisors the mask selects. */
  kill(mask: number): void {
    for (const e of this.entries.values()) {
      if (!(mask & 1) && e.active) continue;
      e.service.sup?.signal(mask & (2 << (e.special ? 1 : 0)) ? 'term' : 'hup');
      e.logger?.sup?.signal(mask & 4 ? 'term' : 'hup');
    }
  }

  /** Leaves the scan loop. waitAll: once every supervisor has exited (`t`, `q`); otherwise
   * at once (`b`), abandoning the services to whatever runs next. */
  stop(waitAll: boolean, killMask: number): void {
    if (this.stopping) {
      if (killMask) this.kill(killMask);
      return;
    }
    this.stopping = true;
    this.waitAll = waitAll;
    if (this.periodic) clearInterval(this.periodic);
    if (this.scanTimer) clearTimeout(this.scanTimer);
    this.periodic = this.scanTimer = null;
    if (killMask) this.kill(killMask);
    this.control?.close();
    this.control = null;
    if (!waitAll) return this.finished();
    for (const e of this.entries.values()) this.releaseIfDone(e);
    this.checkAllStopped();
  }

  private checkAllStopped(): void {
    if (!this.stopping) return;
    for (const e of this.entries.values()) if (e.service.sup || e.logger?.sup) return;
    this.finished();
  }

  private finished(): void {
    this.runner?.close();
    this.runner = null;
    this.pipes.closeAll();
    this.opts.onStopped(this.waitAll);
  }

  // ---- scanning -----------------------------------------------------------------------------

  private scheduleScan(at: number): void {
    if (this.stopping || at >= this.scanTimerAt) return;
    if (this.scanTimer) clearTimeout(this.scanTimer);
    this.scanTimerAt = at;
    this.scanTimer = setTimeout(() => {
      this.scanTimer = null;
      this.scanTimerAt = Infinity;
      this.scan();
    }, Math.max(0, at - Date.now()));
  }

  scan(): void {
    if (this.stopping) return;
    let names: string[];
    try {
      names = readdirSync('.');
    } catch (e) {
      this.opts.warn(`unable to opendir .: ${errText(e)}`);
      this.scheduleScan(Date.now() + DIR_RETRY_MS);
      return;
    }
    for (const e of this.entries.values()) e.active = false;
    const batch: Array<{ entry: Entry; slot: Slot; sup: Supervisor }> = [];
    for (const name of names) this.check(name, batch);
    for (const e of [...this.entries.values()]) {
      if (!e.active) this.releaseIfDone(e);
    }
    const byS = new Map(batch.map((b) => [b.sup, b]));
    Supervisor.startMany(batch.map((b) => b.sup), (sup, e) => {
      const b = byS.get(sup)!;
      this.startFailed(b.entry, b.slot, e);
    });
  }

  private check(name: string, batch: Array<{ entry: Entry; slot: Slot; sup: Supervisor }>): void {
    if (name.startsWith('.')) return;
    let st;
    try {
      st = statSync(name);
    } catch (e) {
      this.opts.warn(`unable to stat ${name}: ${errText(e)}`);
      this.scheduleScan(Date.now() + DIR_RETRY_MS);
      return;
    }
    if (!st.isDirectory()) return;
    const key = `${st.dev}:${st.ino}`;
    let entry = this.entries.get(key);
    if (entry && entry.broken) {
      // being torn down with a closed pipe: recreated once both supervisors are gone
      entry.reactivate = true;
      return;
    }
    if (!entry) {
      if (this.entries.size >= this.opts.maxServices) {
        this.opts.warn(`unable to start supervisor for ${name}: too many services`);
        return;
      }
      const created = this.newEntry(key, name);
      if (!created) return;
      entry = created;
    }
    entry.active = true;
    if (entry.logger) this.maybeStart(entry, entry.logger, batch);
    this.maybeStart(entry, entry.service, batch);
  }

  private newEntry(key: string, name: string): Entry | null {
    const special = name === SPECIAL_LOGGER;
    let logged = false;
    if (!special) {
      try {
        logged = statSync(join(name, 'log')).isDirectory();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.opts.warn(`unable to stat ${name}/log: ${errText(e)}`);
          this.scheduleScan(Date.now() + DIR_RETRY_MS);
          return null;
        }
      }
    }
    const now = Date.now();
    const slot = (n: string, isLogger: boolean): Slot => ({ name: n, isLogger, sup: null, restartAfter: now, pipeIn: null, pipeOut: null });
    const entry: Entry = { key, name, active: true, broken: false, reactivate: false, special, service: slot(name, false), logger: logged ? slot(`${name}/log`, true) : null };
    try {
      if (logged) {
        const p = this.pipes.acquire(`log:${key}`, 'w', () => this.adoptedPipe(name, 1) ?? this.adoptedPipe(`${name}/log`, 0), true);
        entry.service.pipeOut = p;
        entry.logger!.pipeIn = this.pipes.acquire(p.name, 'r');
      } else {
        const out = readPipeName(name, 'hexad-pipe-out');
        if (out) entry.service.pipeOut = this.pipes.acquire(`named:${out}`, 'w', () => this.adoptedPipe(name, 1), true);
      }
      const inName = readPipeName(name, 'hexad-pipe-in');
      if (inName && !entry.service.pipeIn) entry.service.pipeIn = this.pipes.acquire(`named:${inName}`, 'r', () => this.adoptedPipe(name, 0), true);
    } catch (e) {
      this.opts.warn(`unable to pipe for ${name}: ${errText(e)}`);
      this.scheduleScan(now + DIR_RETRY_MS);
      return null;
    }
    this.entries.set(key, entry);
    return entry;
  }

  /** When a previous scanner died and left `dir`'s service running, the pipe it writes to (or
   * reads from) is taken over, so the other side keeps its bytes. */
  private adoptedPipe(dir: string, fd: number): [number, number] | null {
    try {
      const pid = findOrphan(readStatus(dir));
      return pid ? reopenPipe(pid, fd) : null;
    } catch {
      return null;
    }
  }

  /** Creates the supervisor of a slot that has none; started at the end of the scan. */
  private maybeStart(entry: Entry, slot: Slot, batch: Array<{ entry: Entry; slot: Slot; sup: Supervisor }>): void {
    if (slot.sup || this.stopping) return;
    const now = Date.now();
    if (slot.restartAfter > now) {
      this.scheduleScan(slot.restartAfter);
      return;
    }
    const stdio: Stdio = {
      stdin: slot.pipeIn?.readFd ?? this.baseStdio.stdin,
      stdout: slot.pipeOut?.writeFd ?? this.baseStdio.stdout,
      stderr: this.baseStdio.stderr,
    };
    const sup: Supervisor = new Supervisor({
      dir: slot.name,
      name: slot.name,
      prog: `${this.opts.prog} ${slot.name}`,
      stdio,
      warn: (m) => process.stderr.write(`${this.opts.prog} ${slot.name}: warning: ${m}\n`),
      onExit: () => this.supervisorExited(entry, slot, sup),
      onEvent: (x, ev) => this.observer?.event(slot.name, slot.isLogger, x, ev),
      onCloseStdio: (x) => { x.stdio = { stdin: this.devNullIn, stdout: this.devNullOut, stderr: x.stdio.stderr }; },
      // a logger (X/log, or the consumer end of an s6-rc pipeline) can run hosted
      hosted: slot.isLogger || slot.pipeIn ? this.hostedLoggers.chooser(slot.name) : undefined,
    });
    slot.sup = sup;
    batch.push({ entry, slot, sup });
  }

  /** A supervisor that could not start (its directory is supervised elsewhere, unreadable…):
   * s6-svscan sees its s6-supervise die at once and tries again a second later. */
  private startFailed(entry: Entry, slot: Slot, e: unknown): void {
    process.stderr.write(`${this.opts.prog} ${slot.name}: fatal: ${e instanceof Fatal ? e.message : errText(e)}\n`);
    slot.sup = null;
    slot.restartAfter = Date.now() + RESTART_DELAY_MS;
    if (entry.active) this.scheduleScan(slot.restartAfter);
    else this.releaseIfDone(entry);
  }

  private supervisorExited(entry: Entry, slot: Slot, sup: Supervisor): void {
    if (slot.sup !== sup) return;
    slot.sup = null;
    slot.restartAfter = Date.now() + RESTART_DELAY_MS;
    if (this.stopping || !entry.active) this.releaseIfDone(entry);
    else this.scheduleScan(slot.restartAfter);
    this.checkAllStopped();
  }

  /** An inactive (or shut-down) entry lets go of its pipe ends as its supervisors exit: the
   * producer's side first so the logger reads EOF, the logger's so the producer gets EPIPE. */
  private releaseIfDone(entry: Entry): void {
    for (const slot of [entry.service, entry.logger]) {
      if (!slot || slot.sup) continue;
      if (slot.pipeOut) {
        this.pipes.releaseEnd(slot.pipeOut, 'w');
        slot.pipeOut = null;
        entry.broken = true;
      }
      if (slot.pipeIn) {
        this.pipes.releaseEnd(slot.pipeIn, 'r');
        slot.pipeIn = null;
        entry.broken = true;
      }
    }
    if (entry.service.sup || entry.logger?.sup) return;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    if (entry.reactivate && !this.stopping) this.scheduleScan(Date.now());
  }

}

function readPipeName(dir: string, file: string): string | null {
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return text.split('\n')[0].trim() || null;
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch { /* not open */ }
}
