// The einhorn master: keeps `number` workers up, upgrades them (smooth or fleet), re-execs itself
// on reload, and answers the command socket. The algorithms are einhorn 1.1.1's (reap, replenish,
// cull on every pass of the loop), with the fixes listed in docs/einhorn.md.
//
// This class holds the master's state and its loop; each concern lives in its own module and works
// on the Master (its fields are internal to src/einhorn): start.ts (start-up, signal handlers),
// acks.ts, signal-workers.ts, settings.ts (what commands change), policy.ts (replenish and cull),
// upgrade.ts (upgrades and reload), in-tree.ts (s6 readiness, workers file for `hexad status`).
import type { ChildProcess } from 'node:child_process';
import { closeSync, unlinkSync } from 'node:fs';
import * as native from '../native/index.js';
import { processLine, type Host } from './commands.js';
import { ControlServer, type Connection, type ControlState } from './control.js';
import { errMessage } from './errors.js';
import { inspect } from './inspect.js';
import { Logger } from './log.js';
import { codeFingerprint } from './reexec.js';
import { spawnWorker } from './spawn.js';
import { Pool, deserializeState, monoMs, type State } from './state.js';
import type { YamlMap } from './yaml.js';
import * as start from './start.js';
import * as acks from './acks.js';
import * as signal_workers from './signal-workers.js';
import * as settings from './settings.js';
import * as policy from './policy.js';
import * as upgrade from './upgrade.js';
import { announceReady, removeWorkersFile, workersDocument, workersFilePath, writeWorkersFile } from './in-tree.js';

export interface AckTimerState {
  pid: number;
  /** seconds */
  time: number;
  /** wall clock ms when the timer started */
  start: number;
}

/** What one master image hands to the next. */
export interface Handoff {
  hexad_einhorn: 1;
  state: unknown;
  control: ControlState;
  ack_timers: AckTimerState[];
}

export { StartupError, errMessage } from './errors.js';

export interface MasterOptions {
  /** the command that runs this program again (`node …/hexad.js einhorn`) */
  self: string[];
  /** the environment this image started with */
  environ: Record<string, string | undefined>;
}

export class Master implements Host {
  readonly pid = process.pid;
  readonly state: State;
  readonly pool: Pool;
  readonly log: Logger;
  readonly control: ControlServer;
  /** ChildProcess for the workers this image spawned; null for those adopted across a re-exec */
  readonly procs = new Map<number, ChildProcess | null>();
  readonly ackTimers = new Map<number, AckTimerState & { handle: NodeJS.Timeout }>();
  readonly deadlines = new Map<number, NodeJS.Timeout>();
  spinupTimer: NodeJS.Timeout | null = null;
  sweepTimer: NodeJS.Timeout | null = null;
  passScheduled = false;
  reloading = false;
  finished = false;
  cpuCount: number | null = null;
  /** the code this image runs (see codeFingerprint) */
  readonly fingerprint = codeFingerprint();
  /** supervise/hexad-einhorn.json when run in a service directory (see in-tree.ts) */
  readonly workersFile = workersFilePath();
  workersText: string | null = null;

  constructor(state: State, readonly opts: MasterOptions) {
    this.state = state;
    this.pool = new Pool(state);
    this.log = new Logger(() => this.state.verbosity);
    this.control = new ControlServer({
      line: (conn, line) => processLine(this, conn, line),
      overlong: (conn, bytes) => {
        this.log.error(`Ignoring a request line of ${bytes} bytes (the limit is 65536)`);
        conn.send('Could not parse command');
      },
      dropped: (_conn, bytes) => this.log.error(`Dropping a command socket client that left ${bytes} bytes of replies unread`),
    });
    this.log.publish = (tag, msg) => this.control.sendTagged(tag, msg);
  }

  get cmdName(): string | null {
    return this.state.cmd_name;
  }

  // fields used by the modules below (start, acks, signal-workers, settings, policy, upgrade)
  ownsSocket = false;
  ownsPidfile = false;
  readonly unixPaths: string[] = [];
  reexecing = false;

  // -------------------------------------------------------------------------------------------
  // Delegated to the modules named above

  startFresh(): Promise<void> {
    return start.startFresh(this);
  }
  startRestored(h: Handoff): void {
    return start.startRestored(this, h);
  }
  common(): void {
    return start.common(this);
  }
  renice(level: number): void {
    return start.renice(this, level);
  }
  armAckTimer(pid: number, time: number, start: number): void {
    return acks.armAckTimer(this, pid, time, start);
  }
  registerTimerAck(time: number, pid: number): void {
    return acks.registerTimerAck(this, time, pid);
  }
  ackModeInspect(): string {
    return acks.ackModeInspect(this);
  }
  manualAck(pid: unknown): void {
    return acks.manualAck(this, pid);
  }
  registerAck(pid: unknown): void {
    return acks.registerAck(this, pid);
  }
  ping(pid: unknown, requestId: unknown): void {
    return acks.ping(this, pid, requestId);
  }
  armDeadline(pid: number, start: number): void {
    return acks.armDeadline(this, pid, start);
  }
  missedDeadline(pid: number, secs: number): void {
    return acks.missedDeadline(this, pid, secs);
  }
  kill(pid: number, name: string): boolean {
    return signal_workers.kill(this, pid, name);
  }
  signalAll(signal: string, children?: number[] | boolean, record = true): void {
    return signal_workers.signalAll(this, signal, children, record);
  }
  stopRespawning(): void {
    return signal_workers.stopRespawning(this);
  }
  number(): number {
    return settings.number(this);
  }
  increment(): string {
    return settings.increment(this);
  }
  decrement(): string {
    return settings.decrement(this);
  }
  setWorkers(n: number): string {
    return settings.setWorkers(this, n);
  }
  quieter(log = true): string {
    return settings.quieter(this, log);
  }
  louder(log = true): string {
    return settings.louder(this, log);
  }
  stateDump(): string {
    return settings.stateDump(this);
  }
  logDebug(msg: string): void {
    return settings.logDebug(this, msg);
  }
  logError(msg: string): void {
    return settings.logError(this, msg);
  }
  mergeConfig(m: YamlMap): string | null {
    return settings.mergeConfig(this, m);
  }
  replenish(): void {
    return policy.replenish(this);
  }
  replenishImmediately(): void {
    return policy.replenishImmediately(this);
  }
  replenishGradually(): void {
    return policy.replenishGradually(this);
  }
  triggerSpinup(maxUnacked: number): boolean {
    return policy.triggerSpinup(this, maxUnacked);
  }
  cull(): void {
    return policy.cull(this);
  }
  killExpiredSignaledWorkers(timeout: number): void {
    return policy.killExpiredSignaledWorkers(this, timeout);
  }
  fullUpgrade(smooth: boolean): void {
    return upgrade.fullUpgrade(this, smooth);
  }
  sameProgram(): boolean {
    return upgrade.sameProgram(this);
  }
  upgradeWorkers(): void {
    return upgrade.upgradeWorkers(this);
  }
  reload(): void {
    return upgrade.reload(this);
  }
  abandonUpgrade(message: string): void {
    return upgrade.abandonUpgrade(this, message);
  }
  doReload(): Promise<void> {
    return upgrade.doReload(this);
  }

  // -------------------------------------------------------------------------------------------
  // The loop: every event schedules one pass of reap (done by exit events), replenish, cull

  breakLoop(): void {
    if (this.passScheduled || this.finished) return;
    this.passScheduled = true;
    setImmediate(() => {
      this.passScheduled = false;
      this.pass();
    });
  }

  pass(): void {
    if (this.finished) return;
    this.replenish();
    this.cull();
    this.reportToTree();
    if (!this.state.respawn && this.state.children.size === 0) this.finish(0);
  }

  /** s6 readiness once N workers of the current version are ACKed (the first time only), and the
   * workers file that `hexad status` reads. */
  reportToTree(): void {
    const s = this.state;
    if (s.notification_fd !== null && this.pool.ackCount() >= this.pool.ackTarget()) {
      this.log.info(`${this.pool.ackCount()} workers ACKed: writing s6 readiness on fd ${s.notification_fd}`);
      announceReady(s.notification_fd);
      s.notification_fd = null;
    }
    if (this.workersFile) this.workersText = writeWorkersFile(this.workersFile, workersDocument(s, this.pid), this.workersText);
  }

  // -------------------------------------------------------------------------------------------
  // Children

  nextIndex(): number {
    const used = new Set([...this.state.children.values()].map((c) => c.index));
    for (let i = 0; ; i++) if (!used.has(i)) return i;
  }

  spinup(): void {
    const s = this.state;
    const index = this.nextIndex();
    let commandFd: number | undefined;
    if (s.command_socket_as_fd) {
      try {
        commandFd = native.connectUnix(s.socket_path);
      } catch (e) {
        this.log.error(`Could not connect to the command socket for EINHORN_SOCK_FD: ${errMessage(e)}`);
      }
    }
    let child: ChildProcess;
    try {
      child = spawnWorker({
        cmd: s.cmd,
        env: this.opts.environ,
        bindFds: s.bind_fds,
        masterPid: this.pid,
        socketPath: s.socket_path,
        index,
        commandFd,
        nice: s.nice.worker !== null ? { level: s.nice.worker, cmd: s.nice.renice_cmd } : undefined,
        pdeathsig: s.kill_children_on_exit ? 'SIGUSR2' : undefined,
        systemdFds: s.systemd_fds,
      });
    } finally {
      if (commandFd !== undefined) closeSync(commandFd);
    }
    const [sec, ns] = native.realtime();
    s.last_spinup = sec * 1000 + Math.floor(ns / 1e6);
    s.last_spinup_mono = monoMs();
    const pid = child.pid;
    if (pid === undefined) {
      child.on('error', (e) => this.log.error(`Could not spawn a worker: ${e.message}`));
      s.consecutive_deaths_before_ack += 1;
      return;
    }
    this.log.info(`===> Launched ${pid} (index: ${index})`, 'upgrade');
    s.children.set(pid, {
      type: 'worker',
      version: s.version,
      acked: false,
      signaled: [],
      last_signaled_at: null,
      index,
      spinup_time: s.last_spinup,
      spinup_ns: String(ns).padStart(9, '0'),
    });
    this.procs.set(pid, child);
    child.on('error', (e) => this.log.debug(`worker ${pid}: ${e.message}`));
    child.on('exit', (code, signal) => this.exited(pid, code, signal));
    if (s.ack_mode.type === 'timer') this.armAckTimer(pid, s.ack_mode.timeout, s.last_spinup);
    else if (s.config.ack_deadline !== undefined) this.armDeadline(pid, s.last_spinup);
  }

  exited(pid: number, code: number | null, signal: string | null): void {
    if (!this.procs.has(pid)) return;
    this.procs.delete(pid);
    const t = this.ackTimers.get(pid);
    if (t) clearTimeout(t.handle);
    this.ackTimers.delete(pid);
    const d = this.deadlines.get(pid);
    if (d) clearTimeout(d);
    this.deadlines.delete(pid);
    this.log.debug(`Worker ${pid} exited with ${signal ? `signal ${signal}` : `status ${code}`}`);
    this.cleanup(pid);
    this.breakLoop();
  }

  cleanup(pid: number): void {
    const spec = this.state.children.get(pid);
    if (!spec) {
      this.log.error(`Could not find any config for exited child ${inspect(pid)}! This probably indicates a bug in Einhorn.`);
      return;
    }
    this.state.children.delete(pid);
    let extra = '';
    // a worker the master itself told to stop (upgrade, dec, die) did not crash: its exit must not
    // slow its replacement down. A worker killed for missing its ACK deadline did fail.
    if (!spec.acked && !spec.signaled.some((sig) => sig !== 'KILL')) {
      this.state.consecutive_deaths_before_ack += 1;
      extra = ' before it was ACKed';
    } else if (!spec.acked) extra = ' before it was ACKed (it had been told to stop)';
    this.log.info(`===> Exited worker ${inspect(pid)}${extra}`, 'upgrade');
  }

  /** Children adopted across a re-exec are not libuv's: reap them with waitpid on SIGCHLD. */
  reapAdopted(): void {
    for (const [pid, proc] of [...this.procs]) {
      if (proc !== null) continue;
      let r: [number, number] | null;
      try {
        r = native.waitpid(pid, true);
      } catch {
        r = [pid, 0];
      }
      if (!r) continue;
      const status = r[1];
      const sig = status & 0x7f;
      this.exited(pid, sig ? null : (status >> 8) & 0xff, sig ? `signal ${sig}` : null);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Exit

  removeFiles(): void {
    const files = [...this.unixPaths];
    if (this.ownsPidfile) files.push(this.state.pidfile);
    if (this.ownsSocket) files.push(this.state.socket_path);
    for (const f of files) {
      try {
        unlinkSync(f);
      } catch {
        /* already gone */
      }
    }
  }

  finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.state.kill_children_on_exit && this.state.children.size > 0) this.signalAll('USR2');
    this.removeFiles();
    if (this.workersFile) removeWorkersFile(this.workersFile);
    process.exit(code);
  }
}


export { deserializeState };
export type { Connection };
