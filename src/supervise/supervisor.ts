// One supervised service: the s6-supervise 2.11 state machine, in-process. `hexad supervise`
// runs one; `hexad svscan` runs one per service directory in the same Node process.
//
// The on-disk interface is s6's exactly: supervise/lock (fcntl write lock), supervise/control
// (FIFO of command bytes), supervise/status (35 bytes, rewritten through status.new),
// supervise/death_tally, and the event/ fifodir.
import { accessSync, closeSync, openSync, realpathSync, unlinkSync, writeFileSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnMany, strerror } from '../native/index.js';
import { errText, fatalSys, type Warn } from '../s6/diag.js';
import { recordDeath, MAX_DEATH_TALLY } from '../s6/dtally.js';
import type { FifoReader } from '../s6/fifo.js';
import { cleanFifodir, notify } from '../s6/fifodir.js';
import { signalNumber } from '../s6/signals.js';
import { readStatus, wstatExitCode, wstatSignal, wstatSignaled, writeStatus, type SvStatus } from '../s6/status.js';
import { taiFromUnixMs, taiNow, taiToUnixMs } from '../s6/tai.js';
import { writeDownReason } from '../s6/down-reason.js';
import { readDownSignal, readUint } from './service-files.js';
import { abandonChild, childEnviron, listenForChildren, spawnWatched, watchChild } from './reaper.js';
import { findOrphan, procStat, watchOrphanExit } from './orphan.js';
import type { HostedChooser, HostedRun, HostedStarter } from './hosted.js';
import { openControl } from './control-dir.js';
import { planStart, type StartPlan } from './start-plan.js';
import { readinessReported, watchReadinessFile } from './readiness-file.js';
import { findUnrecordedSpawn } from './spawn-intent.js';

export const enum State { Down, Up, Finish, LastUp, LastFinish }


/** The descriptors a supervisor hands to `run` and `finish` as 0, 1, 2. */
export interface Stdio { stdin: number; stdout: number; stderr: number }

export interface SupervisorOptions {
  /** the service directory (resolved once, so a removed symlink to it does not matter) */
  dir: string;
  /** the name given to run and finish: s6-supervise's argv[1] */
  name: string;
  /** how messages name this supervisor: `s6-supervise NAME` */
  prog: string;
  stdio?: Stdio;
  warn: Warn;
  /** called once the supervisor has exited (after the `x` event) */
  onExit?: (sup: Supervisor) => void;
  /** "close stdin/stdout" (x, SIGHUP): the supervisor's own descriptors to be replaced by
   * /dev/null. Standalone supervise reopens fds 0 and 1; svscan swaps the fds it hands out. */
  onCloseStdio?: (sup: Supervisor) => void;
  /** every event byte(s) sent to event/, after the status file says what they announce
   * (observers: the HTTP server's metrics and event stream) */
  onEvent?: (sup: Supervisor, events: string) => void;
  /** runs a service inside this process when it returns a starter (see hosted.ts) */
  hosted?: HostedChooser;
}

const INFINITE = -1;
/** test only: spawn, then never record the pid (a kill -9 between the spawn and the status) */
const HOLD_AFTER_SPAWN = process.env.HEXAD_SUPERVISE_TEST_HOLD === 'spawned';
const CONTROL_BYTES = 'abqhkti12pcyroduDUxOQ';
const SIGNAL_OF: Record<string, string> = {
  a: 'SIGALRM', b: 'SIGABRT', q: 'SIGQUIT', h: 'SIGHUP', k: 'SIGKILL', t: 'SIGTERM', i: 'SIGINT',
  '1': 'SIGUSR1', '2': 'SIGUSR2', y: 'SIGWINCH',
};

export class Supervisor {
  readonly dir: string;
  readonly name: string;
  state: State = State.Down;
  readonly status: SvStatus;
  stdio: Stdio;

  private readonly warn: Warn;
  private readonly opts: SupervisorOptions;
  private lockFd = -1;
  private control: FifoReader | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** monotonic ms of the earliest automatic restart (s6's nextstart); 0 = none */
  private nextStart = 0;
  private dying = false;
  private running = true;
  private exited = false;
  /** pid of the process (run or finish) whose death we wait for; 0 = none */
  private childPid = 0;

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
    this.dir = opts.dir;
    this.name = opts.name;
    this.warn = opts.warn;
    this.stdio = opts.stdio ?? { stdin: 0, stdout: 1, stderr: 2 };
    const now = taiNow();
    this.status = { stamp: now, readyStamp: now, pid: 0, wstat: 0, paused: false, finishing: false, wantUp: true, ready: true };
  }


  /** control_init and the initial announce. Throws Fatal (100: already supervised, not a
   * directory, control not a FIFO; 111: system errors). With `deferStart`, a supervisor whose
   * service is to start returns true and leaves the announce and the spawn to startMany. */
  start(opts: { deferStart?: boolean } = {}): boolean {
    let dir: string;
    try {
      dir = realpathSync(this.dir);
    } catch (e) {
      throw fatalSys(111, `chdir to ${this.dir}`, e);
    }
    (this as { dir: string }).dir = dir;
    this.initControl();
    cleanFifodir(join(dir, 'event'));
    try {
      closeSync(openSync(join(dir, 'supervise', 'death_tally'), C.O_WRONLY | C.O_TRUNC | C.O_CREAT, 0o666));
    } catch (e) {
      this.release();
      throw fatalSys(111, 'truncate death_tally', e);
    }
    try {
      accessSync(join(dir, 'down'));
      this.status.wantUp = false;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.release();
        throw fatalSys(111, 'access ./down', e);
      }
    }
    const orphan = this.findOrphan();
    if (opts.deferStart && !orphan && this.status.wantUp) return true;
    // an orphan's pid goes into the first status written: a kill -9 between two writes must
    // not leave a status that forgets a service still running
    if (orphan) this.adopt(orphan);
    else {
      this.flushInitial();
      this.setTimeout(0);
    }
    return false;
  }

  /** The initial announce and `s`, as s6-supervise writes them before its first iteration. */
  private flushInitial(): void {
    this.announce();
    this.event('s');
  }

  /** The service a previous supervisor left running, when there is one: its old status. */
  private findOrphan(): SvStatus | null {
    let old: SvStatus;
    try {
      old = readStatus(this.dir);
    } catch {
      return this.findUnrecorded(null);
    }
    // our own pid: a service hosted by a previous life of this process, not a survivor
    if (old.pid !== process.pid && findOrphan(old)) return old;
    return this.findUnrecorded(old);
  }

  /** A run spawned by a supervisor killed before its status named the pid (spawn-intent.ts). */
  private findUnrecorded(old: SvStatus | null): SvStatus | null {
    const found = findUnrecordedSpawn(this.dir, old);
    if (!found) return null;
    const stamp = taiFromUnixMs(found.startMs);
    return { pid: found.pid, stamp, readyStamp: stamp, wstat: 0, paused: false, finishing: false, wantUp: this.status.wantUp, ready: false };
  }

  /** Supervises a running orphan again. It is not our child, so its death is noticed through
   * orphan.ts (a pidfd, or /proc on old kernels), and its wait status is unknown (exit code 0). */
  private adopt(old: SvStatus): void {
    const s = this.status;
    Object.assign(s, { pid: old.pid, stamp: old.stamp, readyStamp: old.readyStamp, wstat: old.wstat, ready: old.ready, wantUp: old.wantUp, paused: old.paused });
    this.state = State.Up;
    // readiness its previous supervisor did not live to read, or that is still to come
    const notifies = !s.ready && readUint(this.dir, 'notification-fd', this.warn) !== null;
    const readyAt = notifies ? readinessReported(this.dir, taiToUnixMs(s.stamp) - 2000) : null;
    if (readyAt !== null) Object.assign(s, { ready: true, readyStamp: taiFromUnixMs(readyAt) });
    this.flushInitial();
    this.warn(`adopting service pid ${old.pid} left running by a previous supervisor`);
    if (notifies && readyAt === null) this.watchReadiness();
    const startMs = procStat(old.pid)?.startMs ?? 0;
    const pid = old.pid;
    // the restart throttle counts from the readiness the old status records, as if we had seen it
    if (s.ready) this.nextStart = performance.now() + Math.max(0, 1000 - (Date.now() - taiToUnixMs(s.readyStamp)));
    this.adoptWatch = watchOrphanExit(pid, startMs, () => {
      this.adoptWatch = null;
      if (this.status.pid !== pid || this.status.finishing) return;
      this.lastWstat = 0;
      this.dispatch('chld');
    });
  }

  private adoptWatch: (() => void) | null = null;

  private stopAdoptWatch(): void {
    this.adoptWatch?.();
    this.adoptWatch = null;
  }

  private initControl(): void {
    const c = openControl(this.dir, (chunk) => this.onControl(chunk));
    this.lockFd = c.lockFd;
    this.control = c.control;
  }

  // ---- status, events, timers -------------------------------------------------------------

  /** While a batch of control bytes is processed, status writes are coalesced: the file is
   * written before any event goes out and at the end of the batch, so every observer that
   * reacts to an event reads the state that event announces. */
  private batching = false;
  private dirty = false;

  private announce(): void {
    if (this.batching) {
      this.dirty = true;
      return;
    }
    this.writeStatusNow();
  }

  private flushStatus(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.writeStatusNow();
  }

  private writeStatusNow(): void {
    try {
      writeStatus(this.dir, this.status);
    } catch (e) {
      this.warn(`unable to write status file: ${errText(e)}`);
    }
  }

  private event(bytes: string): void {
    this.flushStatus();
    notify(join(this.dir, 'event'), bytes);
    this.opts.onEvent?.(this, bytes);
  }

  /** ms from now; INFINITE clears the deadline. A deadline already due (a restart of a service
   * that had been ready for over a second) runs on this turn of the loop, not 1 ms later. */
  private setTimeout(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = null;
    if (ms === INFINITE) return;
    const fire = (): void => {
      this.timer = this.immediate = null;
      this.dispatch('timeout');
    };
    if (ms <= 0) this.immediate = setImmediate(fire);
    else this.timer = setTimeout(fire, ms);
  }

  private immediate: NodeJS.Immediate | null = null;

  // ---- inputs -------------------------------------------------------------------------------

  /** Signals as s6-supervise traps them: what svscan sends its supervisors. */
  signal(sig: 'term' | 'hup' | 'quit' | 'int'): void {
    this.dispatch(sig);
  }

  /** Command bytes, as written to supervise/control. */
  command(bytes: string): void {
    this.batching = true;
    try {
      for (let i = 0; i < bytes.length; i++) {
        const c = bytes[i];
        if (CONTROL_BYTES.includes(c)) this.dispatchNoExit(c);
      }
    } finally {
      this.batching = false;
      this.flushStatus();
    }
    this.exitIfDone();
  }

  private onControl(chunk: Buffer): void {
    this.command(chunk.toString('latin1'));
  }

  private dispatch(input: string): void {
    this.dispatchNoExit(input);
    this.exitIfDone();
  }

  private dispatchNoExit(input: string): void {
    if (!this.running) return;
    switch (this.state) {
      case State.Down: return this.inDown(input);
      case State.Up: return this.inUp(input, false);
      case State.LastUp: return this.inUp(input, true);
      case State.Finish: return this.inFinish(input, false);
      case State.LastFinish: return this.inFinish(input, true);
    }
  }

  private inDown(input: string): void {
    switch (input) {
      case 'timeout': return this.status.wantUp ? this.tryStart() : this.setTimeout(INFINITE);
      case 'term': case 'hup': case 'quit': case 'int': case 'x': return this.bail();
      case 'o': this.wantDown(); return this.tryStart();
      case 'd': case 'O': return this.wantDown();
      case 'u': this.wantUp(); return this.tryStart();
      case 'D': case 'Q': this.addDown(); return this.wantDown();
      case 'U': this.delDown(); this.wantUp(); return this.tryStart();
    }
  }

  private inUp(input: string, last: boolean): void {
    switch (input) {
      case 'timeout':
        if (this.dying) {
          this.kill('SIGKILL');
          return this.setTimeout(5000);
        }
        this.warn("can't happen: timeout while the service is up!");
        return this.setTimeout(INFINITE);
      case 'chld': return this.upDied(last);
      case 'term':
        if (!last) this.state = State.LastUp;
        return this.upDown();
      case 'hup': case 'x':
        this.state = State.LastUp;
        return this.closeStdio();
      case 'quit': return this.bail();
      case 'int': return this.sigint();
      case 'p':
        this.kill('SIGSTOP');
        this.status.paused = true;
        return this.announce();
      case 'c':
        this.kill('SIGCONT');
        this.status.paused = false;
        return this.announce();
      case 'r': return this.killNum(readDownSignal(this.dir, this.warn));
      case 'o': case 'O': return this.wantDown();
      case 'd': return this.upDown();
      case 'u': return this.wantUp();
      case 'D': this.addDown(); return this.upDown();
      case 'U': this.delDown(); return this.wantUp();
      case 'Q': this.addDown(); return this.wantDown();
      default:
        if (SIGNAL_OF[input]) this.kill(SIGNAL_OF[input]);
    }
  }

  private inFinish(input: string, last: boolean): void {
    switch (input) {
      case 'timeout':
        this.warn('finish script lifetime reached maximum value - sending it a SIGKILL');
        this.kill('SIGCONT');
        this.status.paused = false;
        this.announce();
        this.kill('SIGKILL');
        return this.setTimeout(5000);
      case 'chld':
        this.finishDied();
        if (last) this.bail();
        return;
      case 'term':
        if (last) return;
        this.state = State.LastFinish;
        return this.closeStdio();
      case 'hup': case 'x':
        this.state = State.LastFinish;
        return this.closeStdio();
      case 'quit': return this.bail();
      case 'int': return this.sigint();
      case 'o': case 'd': case 'O': return this.wantDown();
      case 'u': return this.wantUp();
      case 'D': case 'Q': this.addDown(); return this.wantDown();
      case 'U': this.delDown(); return this.wantUp();
    }
  }

  // ---- actions ------------------------------------------------------------------------------

  private wantDown(): void {
    this.status.wantUp = false;
    this.announce();
  }

  private wantUp(): void {
    this.status.wantUp = true;
    this.announce();
  }

  private addDown(): void {
    try {
      writeFileSync(join(this.dir, 'down'), '');
    } catch (e) {
      this.warn(`unable to create ./down file: ${errText(e)}`);
    }
  }

  private delDown(): void {
    try {
      unlinkSync(join(this.dir, 'down'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`unable to unlink ./down file: ${errText(e)}`);
    }
  }

  private kill(sig: string): void {
    this.killNum(signalNumber(sig));
  }

  private killNum(sig: number): void {
    if (this.hostedRun) {
      if (this.childPid === process.pid) this.hostedRun.signal(sig);
      return;
    }
    if (!this.status.pid) return;
    try {
      process.kill(this.status.pid, sig);
    } catch { /* already gone: its SIGCHLD is on its way */ }
  }

  /** d: down-signal, then SIGCONT (which also clears paused), then arm timeout-kill. */
  private upDown(): void {
    this.status.wantUp = false;
    this.killNum(readDownSignal(this.dir, this.warn));
    this.kill('SIGCONT');
    this.status.paused = false;
    this.announce();
    const t = readUint(this.dir, 'timeout-kill', this.warn) ?? 0;
    if (t) {
      this.dying = true;
      this.setTimeout(t);
    } else this.setTimeout(INFINITE);
  }

  private sigint(): void {
    if (this.hostedRun) this.killNum(signalNumber('SIGINT'));
    else if (this.status.pid) {
      try {
        process.kill(-this.status.pid, 'SIGINT');
      } catch (e) {
        this.warn(`unable to getpgid: ${errText(e)}`);
      }
    }
    this.bail();
  }

  private closeStdio(): void {
    this.opts.onCloseStdio?.(this);
  }

  private bail(): void {
    this.running = false;
  }

  private exitIfDone(): void {
    if (this.running || this.exited) return;
    this.exited = true;
    this.setTimeout(INFINITE);
    this.stopAdoptWatch();
    this.stopReadinessWatch();
    // a hosted run cannot outlive its supervisor as an orphan process would: it stops once
    // it has written what it read
    if (this.hostedRun) this.hostedRun.signal(signalNumber('SIGHUP'));
    else if (this.childPid) abandonChild(this.childPid);
    this.childPid = 0;
    this.release();
    this.event('x');
    this.opts.onExit?.(this);
  }

  private release(): void {
    this.control?.close();
    this.control = null;
    if (this.lockFd >= 0) closeSync(this.lockFd);
    this.lockFd = -1;
  }

  // ---- run ----------------------------------------------------------------------------------

  private tryStart(): void {
    const hosted = this.opts.hosted?.(this.dir);
    if (hosted) {
      this.startHosted(hosted, 'u');
      return;
    }
    const plan = this.prepareStart();
    if (!plan) return;
    let pid: number;
    try {
      const r = plan.request!;
      pid = spawnWatched(r[0], r[1], this.dir, r[3], (wstat) => this.onChildExit(pid, wstat));
    } catch (e) {
      this.startFailed(plan, e);
      return;
    }
    this.started(plan, pid, 'u');
  }

  /** Everything s6's trystart does before the fork (see start-plan.ts); null when it cannot
   * start now (the supervisor then waits as s6-supervise does). */
  private prepareStart(): StartPlan | null {
    const r = planStart(this.dir, this.name, this.stdio, this.warn);
    if ('plan' in r) return r.plan;
    if (r.spawnError) this.spawnFailed(r.spawnError.what, r.spawnError.e);
    else this.setTimeout(r.waitMs);
    return null;
  }

  private startFailed(plan: StartPlan, e: unknown): void {
    if (plan.notifyFd !== null) closeSync(plan.notifyFd);
    this.spawnFailed('exec run', e);
  }

  private hostedRun: HostedRun | null = null;

  /** Runs the service inside this process; its pid is ours. */
  private startHosted(starter: HostedStarter, events: string): void {
    let run: HostedRun | null = null;
    const me = process.pid;
    try {
      run = starter({
        dir: this.dir,
        stdio: this.stdio,
        ready: () => {
          if (this.hostedRun === run && this.childPid === me && !this.status.ready) this.markReady();
        },
        exit: (wstat) => setImmediate(() => {
          if (this.hostedRun !== run) return;
          this.hostedRun = null;
          this.onChildExit(me, wstat);
        }),
      });
    } catch (e) {
      if (events !== 'u') this.flushInitial();
      this.spawnFailed('exec run', e);
      return;
    }
    this.hostedRun = run;
    this.started({ request: null, notifyFd: null }, me, events);
  }

  /** After the fork: the service is up; `events` announces it ('u', or 'su' for a first start). */
  private started(plan: StartPlan, pid: number, events: string): void {
    if (plan.notifyFd !== null) closeSync(plan.notifyFd);
    if (HOLD_AFTER_SPAWN) return;
    this.noteDown(null);
    this.childPid = pid;
    this.setTimeout(INFINITE);
    this.nextStart = 0;
    this.state = State.Up;
    this.status.pid = pid;
    this.status.ready = false;
    this.status.stamp = taiNow();
    if (plan.notifyFd !== null) this.watchReadiness();
    this.announce();
    this.event(events);
  }

  /** Starts many supervisors at once (a scan finding new services): the services that want
   * up are spawned together from a few threads, and each supervisor then writes its status and
   * sends `s` and `u` once, where starting them one by one would write and notify twice each
   * and wait for each exec in turn. What a listener or a reader of the status sees is the same,
   * minus the instant between `s` and `u`. Throws nothing: a supervisor that cannot start is
   * reported through `failed`. */
  static startMany(sups: Supervisor[], failed: (sup: Supervisor, e: unknown) => void): void {
    const starting: Array<{ sup: Supervisor; plan: StartPlan }> = [];
    for (const sup of sups) {
      try {
        if (sup.start({ deferStart: true })) {
          const hosted = sup.opts.hosted?.(sup.dir);
          if (hosted) {
            sup.startHosted(hosted, 'su');
            continue;
          }
          const plan = sup.prepareStart();
          if (plan) starting.push({ sup, plan });
          else sup.flushInitial();
        }
      } catch (e) {
        failed(sup, e);
      }
    }
    if (!starting.length) return;
    listenForChildren();
    const results = spawnMany(starting.map((x) => x.plan.request!), childEnviron());
    starting.forEach(({ sup, plan }, i) => {
      const r = results[i];
      if (r < 0) {
        sup.flushInitial();
        sup.startFailed(plan, Object.assign(new Error(strerror(-r)), { errno: -r }));
        return;
      }
      watchChild(r, (wstat) => sup.onChildExit(r, wstat));
      sup.started(plan, r, 'su');
    });
  }

  /** The 2.11 messages of a failed fork/exec of run: the child's, then the supervisor's. */
  private spawnFailed(what: string, e: unknown): void {
    process.stderr.write(`${this.progName()} (child): fatal: unable to ${what}: ${errText(e)}\n`);
    this.warn('unable to spawn ./run - waiting 10 seconds');
    this.noteDown(`unable to ${what}: ${errText(e)} (retrying every 10 seconds)`);
    this.setTimeout(10_000);
  }

  private downReasonWritten = false;

  /** supervise/hexad-down-reason, for `hexad status` (see s6/down-reason.ts). */
  private noteDown(reason: string | null): void {
    if (reason === null && !this.downReasonWritten) return;
    this.downReasonWritten = reason !== null;
    writeDownReason(this.dir, reason);
  }

  private progName(): string {
    return this.opts.prog;
  }

  private watchReadiness(): void {
    this.stopReadinessWatch();
    const pid = this.status.pid;
    this.readinessWatch = watchReadinessFile(this.dir, () => {
      this.readinessWatch = null;
      if (this.status.pid === pid && !this.status.finishing && !this.status.ready) this.markReady();
    });
  }

  private readinessWatch: (() => void) | null = null;

  private stopReadinessWatch(): void {
    this.readinessWatch?.();
    this.readinessWatch = null;
  }

  private markReady(): void {
    this.nextStart = performance.now() + 1000;
    this.status.readyStamp = taiNow();
    this.status.ready = true;
    this.announce();
    this.event('U');
  }

  private onChildExit(pid: number, wstat: number): void {
    if (this.childPid !== pid) return;
    this.childPid = 0;
    this.lastWstat = wstat;
    this.dispatch('chld');
  }

  private lastWstat = 0;

  /** uplastup_z: run died. Record it, then start finish (or go down-and-ready). */
  private upDied(last: boolean): void {
    const s = this.status;
    s.wstat = this.lastWstat;
    s.paused = false;
    s.ready = false;
    this.dying = false;
    s.stamp = taiNow();
    this.stopReadinessWatch();
    let max = readUint(this.dir, 'max-death-tally', this.warn) ?? 100;
    if (max > MAX_DEATH_TALLY) max = MAX_DEATH_TALLY;
    if (max) {
      const signaled = wstatSignaled(s.wstat);
      try {
        recordDeath(this.dir, {
          stamp: s.stamp,
          sig: signaled ? wstatSignal(s.wstat) : 0,
          exitCode: signaled ? 128 + wstatSignal(s.wstat) : wstatExitCode(s.wstat),
        }, max);
      } catch (e) {
        this.warn(`unable to write death_tally: ${errText(e)}`);
      }
    }
    const signaled = wstatSignaled(s.wstat);
    const a = String(signaled ? 256 : wstatExitCode(s.wstat));
    const b = String(signaled ? wstatSignal(s.wstat) : 0);
    // no finish (ENOENT) or an exec failure: an exit 127, as 2.11's forked child gives
    let finishPid = 0;
    try {
      finishPid = spawnWatched('./finish', ['finish', a, b, this.name], this.dir, [this.stdio.stdin, this.stdio.stdout, this.stdio.stderr], (wstat) => {
        if (this.childPid !== finishPid) return;
        this.childPid = 0;
        this.finishWstat = wstat;
        this.dispatch('chld');
      });
    } catch {
      finishPid = 0;
    }
    if (!finishPid) {
      // 2.11 forks a child whose exec of ./finish fails: `d`, then `D` on its death.
      s.pid = 0;
      s.finishing = false;
      this.event('d');
      this.state = last ? State.LastFinish : State.Finish;
      this.finishWstat = 127 << 8;
      this.finishDied();
      if (last) this.bail();
      return;
    }
    this.childPid = finishPid;
    s.pid = finishPid;
    s.finishing = true;
    this.state = last ? State.LastFinish : State.Finish;
    this.announce();
    this.event('d');
    const t = readUint(this.dir, 'timeout-finish', this.warn) ?? 5000;
    this.setTimeout(t ? t : INFINITE);
  }

  private finishWstat = 0;

  /** finish_z: finish is done; exit 125 means "do not restart" (event O). */
  private finishDied(): void {
    const w = this.finishWstat;
    if (!wstatSignaled(w) && wstatExitCode(w) === 125) {
      this.status.wantUp = false;
      this.noteDown('finish exited 125: permanent failure, not restarted');
      this.setDownAndReady('OD');
    } else this.setDownAndReady('D');
  }

  private setDownAndReady(events: string): void {
    const s = this.status;
    s.pid = 0;
    s.finishing = false;
    s.ready = true;
    this.state = State.Down;
    this.setTimeout(this.nextStart ? this.nextStart - performance.now() : 1000);
    s.readyStamp = taiNow();
    this.announce();
    this.event(events);
  }
}
