// The einhorn master: keeps `number` workers up, upgrades them (smooth or fleet), re-execs itself
// on reload, and answers the command socket. The algorithms are einhorn 1.1.1's (reap, replenish,
// cull on every pass of the loop), with the fixes listed in docs/einhorn.md.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants as osConstants, cpus } from 'node:os';
import * as native from '../native/index.js';
import { BindError, bindOne, resolve, unknownFlags } from './bind.js';
import { EINHORN_VERSION, processLine, type Host } from './commands.js';
import { ControlServer, LockfileError, openCommandSocket, type Connection, type ControlState } from './control.js';
import { inspect } from './inspect.js';
import { Logger, writeStderr } from './log.js';
import { codeFingerprint, execInPlace, preflight, reexecEnv, stateFile, upgradeCommandline } from './reexec.js';
import { setprivPath, spawnWorker } from './spawn.js';
import { Pool, deserializeState, monoMs, rubyState, serializeState, type State } from './state.js';
import { mergeConfig } from './config.js';
import { dump, type YamlMap } from './yaml.js';
import { announceReady, guardNotificationFd, inheritedNotificationFd, removeWorkersFile, workersDocument, workersFilePath, writeWorkersFile } from './in-tree.js';

const MAX_SPINUP_INTERVAL = 30;

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

export class StartupError extends Error {}

export interface MasterOptions {
  /** the command that runs this program again (`node …/hexad.js einhorn`) */
  self: string[];
  /** the environment this image started with */
  environ: Record<string, string | undefined>;
}

function processorCount(): number {
  try {
    const n = (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm) ?? []).length;
    if (n > 0) return n;
  } catch {
    /* fall through */
  }
  return Math.max(1, cpus().length);
}

function signalNumber(name: string): number {
  if (name === 'EXIT') return 0;
  const alias: Record<string, string> = { CLD: 'CHLD', IOT: 'ABRT', POLL: 'IO' };
  const n = (osConstants.signals as Record<string, number>)[`SIG${alias[name] ?? name}`];
  if (n === undefined) throw new Error(`unknown signal ${name}`);
  return n;
}

export class Master implements Host {
  readonly pid = process.pid;
  readonly state: State;
  readonly pool: Pool;
  readonly log: Logger;
  readonly control: ControlServer;
  /** ChildProcess for the workers this image spawned; null for those adopted across a re-exec */
  private readonly procs = new Map<number, ChildProcess | null>();
  private readonly ackTimers = new Map<number, AckTimerState & { handle: NodeJS.Timeout }>();
  private readonly deadlines = new Map<number, NodeJS.Timeout>();
  private spinupTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private passScheduled = false;
  private reloading = false;
  private finished = false;
  private cpuCount: number | null = null;
  /** the code this image runs (see codeFingerprint) */
  private readonly fingerprint = codeFingerprint();
  /** supervise/hexad-einhorn.json when run in a service directory (see in-tree.ts) */
  private readonly workersFile = workersFilePath();
  private workersText: string | null = null;

  constructor(state: State, private readonly opts: MasterOptions) {
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

  // -------------------------------------------------------------------------------------------
  // Start

  /** First start: command socket, pidfile, listening sockets. Throws StartupError. */
  async startFresh(): Promise<void> {
    const s = this.state;
    for (const b of s.bind) {
      const bad = unknownFlags(b);
      if (bad.length) this.log.error(`Ignoring unknown flags ${inspect(bad)} of -b ${b.spec}`);
    }
    const resolved = [];
    for (const b of s.bind) {
      try {
        resolved.push(await resolve(b));
      } catch (e) {
        if (e instanceof BindError) throw new StartupError(`unable to bind ${b.spec}: ${e.message}`);
        throw e;
      }
    }
    let ctlFd: number;
    try {
      ctlFd = openCommandSocket(s.socket_path, s.lockfile, (m) => this.log.info(m));
    } catch (e) {
      if (e instanceof LockfileError) throw new StartupError(e.message);
      throw new StartupError(`unable to create the command socket ${s.socket_path}: ${errMessage(e)}`);
    }
    this.control.serve(ctlFd);
    this.ownsSocket = true;
    try {
      for (const b of resolved) {
        this.log.info(`Binding to ${b.family === 'unix' ? b.address : `${b.address}:${b.port}`} with flags ${inspect(b.flags)}`);
        const { fd, port } = bindOne(b, s.config.backlog);
        s.bind_fds.push(fd);
        s.bound_ports.push(port);
        if (b.family === 'unix') this.unixPaths.push(b.address);
      }
    } catch (e) {
      const b = resolved[s.bind_fds.length];
      this.removeFiles();
      throw new StartupError(`unable to bind ${b.spec}: ${errMessage(e)}`);
    }
    this.log.info(`Writing PID to ${s.pidfile}`);
    try {
      writeFileSync(s.pidfile, String(this.pid));
    } catch (e) {
      this.removeFiles();
      throw new StartupError(`unable to write the pidfile ${s.pidfile}: ${errMessage(e)}`);
    }
    this.ownsPidfile = true;
    s.notification_fd = inheritedNotificationFd();
    this.common();
  }

  /** Start of an image after a re-exec: adopt everything the previous one held. */
  startRestored(h: Handoff): void {
    const s = this.state;
    for (const fd of s.bind_fds) native.setCloexec(fd, true);
    for (const b of s.bind) if (b.family === 'unix') this.unixPaths.push(b.address);
    native.setCloexec(h.control.server, true);
    this.control.serve(h.control.server);
    this.ownsSocket = true;
    this.ownsPidfile = true;
    process.on('SIGCHLD', () => this.reapAdopted());
    for (const pid of s.children.keys()) this.procs.set(pid, null);
    // children that exited while no image was running are zombies now, or gone
    this.reapAdopted();
    for (const t of h.ack_timers) if (s.children.has(t.pid)) this.armAckTimer(t.pid, t.time, t.start);
    if (s.config.ack_deadline !== undefined && s.ack_mode.type === 'manual') {
      for (const [pid, c] of s.children) if (!c.acked && c.signaled.length === 0) this.armDeadline(pid, c.spinup_time);
    }
    this.log.info(`Re-exec'd einhorn master: ${s.children.size} children adopted, version ${s.version}`);
    this.common();
    // requests that were read but not handled by the previous image run once we are ready
    setImmediate(() => {
      for (const c of h.control.connections) this.control.adopt(c);
      if (s.reloading_for_upgrade) {
        this.upgradeWorkers();
        s.reloading_for_upgrade = false;
      }
      this.breakLoop();
    });
  }

  private ownsSocket = false;
  private ownsPidfile = false;
  private readonly unixPaths: string[] = [];

  private common(): void {
    const s = this.state;
    if (s.notification_fd !== null) guardNotificationFd(s.notification_fd);
    process.title = `einhorn: ${s.cmd_name ?? s.orig_cmd.join(' ')}`;
    if (s.nice.master !== null) this.renice(s.nice.master);
    if (s.kill_children_on_exit && !setprivPath()) {
      this.log.error('setpriv (util-linux) was not found: with -k, workers are only signalled when the master exits through its own code, not when it is killed');
    }
    process.on('SIGINT', () => {
      this.signalAll('USR2');
      this.stopRespawning();
    });
    process.on('SIGTERM', () => {
      this.signalAll('TERM');
      this.stopRespawning();
    });
    process.on('SIGQUIT', () => {
      this.signalAll('QUIT');
      this.stopRespawning();
      this.finish(1);
    });
    process.on('SIGUSR2', () => {
      this.signalAll('USR2');
      this.stopRespawning();
    });
    process.on('SIGHUP', () => this.fullUpgrade(true));
    // Node reserves SIGUSR1 for its inspector and einhorn dies of it (orphaning every worker);
    // hexad traps it, and SIGALRM, and only logs them.
    process.on('SIGUSR1', () => this.log.info('Ignoring SIGUSR1 (use the `signal USR1` command to send it to the workers)'));
    process.on('SIGALRM', () => this.log.info('Ignoring SIGALRM'));
    process.on('uncaughtException', (e) => {
      this.log.error(`Internal error, exiting: ${e.stack ?? e.message}`);
      this.finish(1);
    });
    if (s.signal_timeout) this.sweepTimer = setInterval(() => this.breakLoop(), s.signal_timeout * 1000);
    this.breakLoop();
  }

  private renice(level: number): void {
    const cmd = `${this.state.nice.renice_cmd} ${level} -p ${this.pid}`;
    this.log.info(`Running ${inspect(cmd)} to renice self to level ${level}`);
    const c = spawn('/bin/sh', ['-c', `${cmd} >/dev/null`], { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('exit', (code, sig) => {
      if (code !== 0) this.log.error(`Renice command exited with status: ${code ?? sig}, but continuing on anyway.`);
    });
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

  private pass(): void {
    if (this.finished) return;
    this.replenish();
    this.cull();
    this.reportToTree();
    if (!this.state.respawn && this.state.children.size === 0) this.finish(0);
  }

  /** s6 readiness once N workers of the current version are ACKed (the first time only), and the
   * workers file that `hexad status` reads. */
  private reportToTree(): void {
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

  private nextIndex(): number {
    const used = new Set([...this.state.children.values()].map((c) => c.index));
    for (let i = 0; ; i++) if (!used.has(i)) return i;
  }

  private spinup(): void {
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

  private exited(pid: number, code: number | null, signal: string | null): void {
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

  private cleanup(pid: number): void {
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
  private reapAdopted(): void {
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
  // ACKs

  private armAckTimer(pid: number, time: number, start: number): void {
    const delay = Math.max(0, start + time * 1000 - Date.now());
    const handle = setTimeout(() => {
      this.ackTimers.delete(pid);
      this.registerTimerAck(time, pid);
    }, delay);
    this.ackTimers.set(pid, { pid, time, start, handle });
  }

  private registerTimerAck(time: number, pid: number): void {
    if (this.state.ack_mode.type !== 'timer') {
      this.log.error(`Received a timer ACK for ${inspect(pid)}, but ack_mode is ${this.ackModeInspect()}. Ignoring ACK.`);
      return;
    }
    if (!this.state.children.has(pid)) {
      this.log.debug(`Worker ${inspect(pid)} died before its timer ACK happened.`);
      return;
    }
    this.log.info(`Worker ${inspect(pid)} has been up for ${time}s, so we are considering it alive.`);
    this.registerAck(pid);
  }

  private ackModeInspect(): string {
    const m = this.state.ack_mode;
    return m.type === 'timer' ? `{:type=>:timer, :timeout=>${m.timeout}}` : '{:type=>:manual}';
  }

  manualAck(pid: unknown): void {
    if (this.state.ack_mode.type !== 'manual') {
      this.log.error(`Received a manual ACK for ${inspect(pid)}, but ack_mode is ${this.ackModeInspect()}. Ignoring ACK.`);
      return;
    }
    this.log.info(`Received a manual ACK from ${inspect(pid)}`);
    this.registerAck(pid);
  }

  private registerAck(pid: unknown): void {
    const spec = typeof pid === 'number' ? this.state.children.get(pid) : undefined;
    if (!spec) {
      this.log.error(`Could not find state for PID ${inspect(pid)}; ignoring ACK.`);
      return;
    }
    if (spec.acked) {
      this.log.error(`Pid ${inspect(pid)} already ACKed; ignoring new ACK.`);
      return;
    }
    const deaths = this.state.consecutive_deaths_before_ack;
    const extra = deaths > 0 ? `, breaking the streak of ${deaths} consecutive unacked workers dying` : '';
    this.state.consecutive_deaths_before_ack = 0;
    spec.acked = true;
    const d = this.deadlines.get(pid as number);
    if (d) clearTimeout(d);
    this.deadlines.delete(pid as number);
    this.log.info(`Up to ${this.pool.ackCount()} / ${this.pool.ackTarget()} ${this.state.ack_mode.type} ACKs${extra}`);
    this.breakLoop();
  }

  ping(pid: unknown, requestId: unknown): void {
    const spec = typeof pid === 'number' ? this.state.children.get(pid) : undefined;
    if (!spec) {
      this.log.error(`Could not find state for PID ${inspect(pid)}; ignoring ACK.`);
      return;
    }
    spec.pinged_at = Date.now();
    spec.pinged_request_id = requestId;
  }

  /** hexad's ACK deadline: a manual-mode worker not ACKed in time is killed; an upgrade it
   * belonged to is abandoned, and the workers that serve keep serving. */
  private armDeadline(pid: number, start: number): void {
    const secs = this.state.config.ack_deadline!;
    const handle = setTimeout(() => {
      this.deadlines.delete(pid);
      this.missedDeadline(pid, secs);
    }, Math.max(0, start + secs * 1000 - Date.now()));
    this.deadlines.set(pid, handle);
  }

  private missedDeadline(pid: number, secs: number): void {
    const s = this.state;
    const spec = s.children.get(pid);
    if (!spec || spec.acked) return;
    this.log.error(`Worker ${pid} did not ACK within ${secs}s; killing it`, 'upgrade');
    this.kill(pid, 'KILL');
    spec.signaled.push('KILL');
    spec.last_signaled_at = Date.now();
    if (s.upgrading && spec.version === s.version) {
      const failed = s.version;
      s.upgrading = false;
      s.version = failed - 1;
      // the new workers that did ACK keep serving as part of the fleet; the others stop
      for (const [p, c] of s.children) {
        if (c.version !== failed) continue;
        if (c.acked && c.signaled.length === 0) c.version = s.version;
        else if (c.signaled.length === 0) this.signalAll('USR2', [p]);
      }
      const msg = `Upgrade to version ${failed} failed: worker ${pid} did not ACK within ${secs}s. The workers that were serving keep serving.`;
      this.log.error(msg);
      this.control.sendTagged('upgrade', `Upgrade failed: worker ${pid} did not ACK within ${secs}s`, true);
    }
    this.breakLoop();
  }

  // -------------------------------------------------------------------------------------------
  // Signals to workers

  private kill(pid: number, name: string): boolean {
    try {
      process.kill(pid, signalNumber(name));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw e;
    }
  }

  signalAll(signal: string, children?: number[] | boolean, record = true): void {
    if (typeof children === 'boolean') {
      record = children;
      children = undefined;
    }
    const list = children ?? this.pool.workers();
    const s = this.state;
    this.log.info(`Sending ${signal} to ${inspect(list)}`, 'upgrade');
    const signaled = new Map<number, string>();
    for (const pid of list) {
      const spec = s.children.get(pid);
      if (!spec) {
        this.log.error(`Trying to send ${signal} to dead child ${inspect(pid)}. The fact we tried this probably indicates a bug in Einhorn.`, 'upgrade');
        continue;
      }
      if (record) {
        if (spec.signaled.includes(signal)) {
          this.log.error(`Re-sending ${signal} to already-signaled child ${inspect(pid)}. It may be slow to spin down, or it may be swallowing ${signal}s.`, 'upgrade');
        } else spec.signaled.push(signal);
        spec.last_signaled_at = Date.now();
      }
      if (this.kill(pid, signal)) signaled.set(pid, `${spec.spinup_time}.${spec.spinup_ns}`);
      else this.log.debug(`Attempted to ${signal} child ${inspect(pid)} but the process does not exist`, 'upgrade');
    }
    const timeout = s.signal_timeout;
    if (timeout && record) {
      setTimeout(() => {
        for (const pid of list) {
          const spec = s.children.get(pid);
          const was = signaled.get(pid);
          if (!spec || was === undefined) continue;
          if (`${spec.spinup_time}.${spec.spinup_ns}` !== was) {
            this.log.info(`Different spinup time recorded for ${pid} after ${timeout}s. This probably indicates a PID rollover.`, 'upgrade');
            continue;
          }
          this.log.info(`Child ${inspect(pid)} is still active after ${timeout}s. Sending SIGKILL.`);
          this.kill(pid, 'KILL');
          if (!spec.signaled.includes('KILL')) spec.signaled.push('KILL');
        }
      }, timeout * 1000);
      this.log.info(`Successfully sent ${signal}s to ${signaled.size} processes: ${inspect([...signaled.keys()])}`);
    }
  }

  stopRespawning(): void {
    this.state.respawn = false;
    if (this.spinupTimer) clearTimeout(this.spinupTimer);
    this.spinupTimer = null;
    this.breakLoop();
  }

  // -------------------------------------------------------------------------------------------
  // Worker count

  number(): number {
    return this.state.config.number;
  }

  increment(): string {
    this.breakLoop();
    const old = this.state.config.number;
    const n = ++this.state.config.number;
    const out = `Incrementing number of workers from ${old} -> ${n}`;
    writeStderr(`${out}\n`);
    return out;
  }

  decrement(): string {
    const c = this.state.config;
    if (c.number <= 1) {
      const out = `Can't decrease number of workers (already at ${c.number}).  Run kill ${this.pid} if you really want to kill einhorn.`;
      writeStderr(`${out}\n`);
      return out;
    }
    this.breakLoop();
    const old = c.number;
    const n = --c.number;
    const out = `Decrementing number of workers from ${old} -> ${n}`;
    writeStderr(`${out}\n`);
    return out;
  }

  setWorkers(n: number): string {
    const c = this.state.config;
    if (n === c.number) return '';
    this.breakLoop();
    const old = c.number;
    c.number = n;
    const out = `Altering worker count, ${old} -> ${n}. Will ${old < n ? 'spin up additional workers.' : 'gracefully terminate workers.'}`;
    writeStderr(`${out}\n`);
    return out;
  }

  quieter(log = true): string {
    if (this.state.verbosity < 2) this.state.verbosity += 1;
    const out = `Verbosity set to ${this.state.verbosity}`;
    if (log) this.log.info(out);
    return out;
  }

  louder(log = true): string {
    if (this.state.verbosity > 0) this.state.verbosity -= 1;
    const out = `Verbosity set to ${this.state.verbosity}`;
    if (log) this.log.info(out);
    return out;
  }

  stateDump(): string {
    return dump(rubyState(this.state));
  }

  logDebug(msg: string): void {
    this.log.debug(msg);
  }

  logError(msg: string): void {
    this.log.error(msg);
  }

  /** The `config` command (see config.ts). */
  mergeConfig(m: YamlMap): string | null {
    const refused = mergeConfig(this.state, m);
    if (!refused) this.breakLoop();
    return refused;
  }

  // -------------------------------------------------------------------------------------------
  // Spawning policy (einhorn's replenish)

  private replenish(): void {
    if (!this.state.respawn || this.reexecing) return;
    if (this.state.last_spinup === null) this.replenishImmediately();
    else this.replenishGradually();
  }

  private replenishImmediately(): void {
    const missing = this.pool.missing();
    if (missing <= 0) {
      this.log.error(`Missing is currently ${missing}, but should always be > 0 when replenish_immediately is called. This probably indicates a bug in Einhorn.`);
      return;
    }
    this.log.info(`Launching ${missing} new workers`);
    for (let i = 0; i < missing; i++) this.spinup();
  }

  private replenishGradually(): void {
    const s = this.state;
    if (this.spinupTimer || this.pool.missing() <= 0) return;
    const maxUnacked = s.config.max_unacked ?? (this.cpuCount ??= processorCount());
    const interval = Math.min(s.config.seconds * 1.5 ** s.consecutive_deaths_before_ack, MAX_SPINUP_INTERVAL);
    const ago = (monoMs() - (s.last_spinup_mono ?? 0)) / 1000;
    if (ago > interval) {
      if (this.triggerSpinup(maxUnacked)) {
        const msg = `Last spinup was ${ago}s ago, and spinup_interval is ${interval}s, so spinning up a new process.`;
        if (s.consecutive_deaths_before_ack > 0) this.log.info(`${msg} (there have been ${s.consecutive_deaths_before_ack} consecutive unacked worker deaths)`, 'upgrade');
        else this.log.debug(msg);
        this.spinup();
      }
    } else {
      this.log.debug(`Last spinup was ${ago}s ago, and spinup_interval is ${interval}s, so not spinning up a new process.`);
    }
    this.spinupTimer = setTimeout(() => {
      this.spinupTimer = null;
      this.breakLoop();
    }, interval * 1000);
  }

  private triggerSpinup(maxUnacked: number): boolean {
    const s = this.state;
    const unacked = this.pool.unackedUnsignaledModern().length;
    if (unacked >= maxUnacked) {
      this.log.info(`There are ${unacked} unacked new workers, and max_unacked is ${maxUnacked}, so not spinning up a new process.`);
      return false;
    }
    if (s.config.max_upgrade_additional !== undefined) {
      const total = s.children.size;
      const over = s.config.number + s.config.max_upgrade_additional - total;
      if (over < 0) {
        this.log.info(`Over worker capacity by ${-over} during upgrade, ${this.pool.modernWorkers().length} new workers of ${total} total. Waiting for old workers to exit before spinning up a process.`);
        return false;
      }
    }
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Culling (einhorn's cull, with hexad's fixes: unacked old-generation workers are the first
  // retired; "Upgrade done" comes after the last old worker is signalled)

  private cull(): void {
    const s = this.state;
    const acked = this.pool.ackCount();
    const target = this.pool.ackTarget();
    let done = false;
    if (s.upgrading && acked >= target) {
      s.upgrading = false;
      done = true;
    }
    const old = this.pool.oldWorkers();
    if (!s.upgrading && old.length > 0) {
      this.log.info(`Killing off ${old.length} old workers.`, 'upgrade');
      this.signalAll('USR2', old);
    } else if (s.upgrading && s.smooth_upgrade) {
      // einhorn's rule: an old worker is retired only when a new one has ACKed in its place, so a
      // worker still starting up when the upgrade begins keeps running until its replacement ACKs.
      // hexad retires the unACKed old workers first (they serve nobody yet), then the oldest.
      const excess = old.length + acked - target;
      if (excess > 0) {
        const byPriority = [...old.filter((p) => !s.children.get(p)!.acked), ...old.filter((p) => s.children.get(p)!.acked)];
        this.log.info(`Smooth upgrade: killing off ${excess} old workers.`, 'upgrade');
        this.signalAll('USR2', byPriority.slice(0, excess));
      } else this.log.debug(`Not killing old workers, as excess is ${excess}.`);
    }
    if (done) {
      this.log.info(`Upgraded successfully to version ${s.version} (Einhorn ${EINHORN_VERSION}).`, 'upgrade');
      this.control.sendTagged('upgrade', 'Upgrade done', true);
    }
    const unsignaled = this.pool.unsignaledCount();
    if (unsignaled > target) {
      const excess = this.pool.unsignaledModernByPriority().slice(0, unsignaled - target);
      this.log.info(`Have too many workers at the current version, so killing off ${excess.length} of them.`);
      this.signalAll('USR2', excess);
    }
    if (s.signal_timeout) this.killExpiredSignaledWorkers(s.signal_timeout);
  }

  private killExpiredSignaledWorkers(timeout: number): void {
    const now = Date.now();
    const expired = [...this.state.children.entries()].filter(
      ([, c]) => c.signaled.includes('USR2') && !c.signaled.includes('KILL') && c.last_signaled_at !== null && now >= c.last_signaled_at + timeout * 1000,
    );
    if (expired.length) this.log.info(`${expired.length} expired signaled workers found.`);
    for (const [pid, c] of expired) {
      this.log.info(`Child ${inspect(pid)} was signaled ${Math.floor((now - c.last_signaled_at!) / 1000)}s ago. Sending SIGKILL as it is still active after ${timeout}s timeout.`, 'upgrade');
      if (!this.kill(pid, 'KILL')) this.log.debug(`Attempted to SIGKILL child ${inspect(pid)} but the process does not exist.`);
      c.signaled.push('KILL');
      c.last_signaled_at = Date.now();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Upgrades and reload

  fullUpgrade(smooth: boolean): void {
    const s = this.state;
    s.smooth_upgrade = smooth;
    // einhorn re-execs itself before every upgrade, to pick up a new einhorn. hexad does so only
    // when that would run something else than this image: other code (hexad or Node updated on
    // disk), another --reexec-as command or another environment (--drop-env-var). Otherwise it
    // goes straight to the workers, and an upgrade costs no restart of the master.
    if (!this.reloading && this.sameProgram()) {
      if (!s.respawn) {
        this.log.info("Not upgrading because we're exiting");
        this.control.sendTagged('upgrade', "ERROR: Not upgrading because einhorn is exiting", true);
        return;
      }
      this.log.debug('Upgrading without a re-exec: same program, same environment as this master image');
      // einhorn's generation counts master images; without a re-exec an upgrade still counts as one
      s.generation += 1;
      this.upgradeWorkers();
      this.breakLoop();
      return;
    }
    s.reloading_for_upgrade = true;
    this.reload();
  }

  /** True when a re-exec would run exactly what this image runs. */
  private sameProgram(): boolean {
    const s = this.state;
    if (s.reexec_commandline !== null) return false;
    if (s.drop_environment_variables.some((k) => this.opts.environ[k] !== undefined)) return false;
    return codeFingerprint() === this.fingerprint;
  }

  upgradeWorkers(): void {
    const s = this.state;
    if (s.upgrading) {
      this.log.info(`Currently upgrading (${this.pool.ackCount()} / ${this.pool.ackTarget()} ACKs; bumping version and starting over)...`, 'upgrade');
    } else {
      s.upgrading = true;
      this.log.info(`Starting ${s.smooth_upgrade ? 'smooth' : 'fleet'} upgrade from version ${s.version}...`, 'upgrade');
    }
    s.consecutive_deaths_before_ack = 0;
    s.last_upgraded = Date.now();
    s.version += 1;
    if (s.smooth_upgrade) this.replenishGradually();
    else this.replenishImmediately();
  }

  private reexecing = false;

  reload(): void {
    void this.doReload();
  }

  /** Tells the clients waiting for an upgrade that it will not happen (einhorn leaves them hanging). */
  private abandonUpgrade(message: string): void {
    if (this.state.reloading_for_upgrade) this.control.sendTagged('upgrade', message, true);
    this.state.reloading_for_upgrade = false;
  }

  private async doReload(): Promise<void> {
    const s = this.state;
    if (!s.respawn) {
      this.log.info("Not reloading einhorn because we're exiting");
      this.abandonUpgrade("ERROR: Not upgrading because einhorn is exiting");
      return;
    }
    if (this.reloading) {
      this.log.debug('A reload is already under way');
      return;
    }
    this.reloading = true;
    const base = s.reexec_commandline ?? this.opts.self;
    this.log.info(`Reloading einhorn master (${base.join(' ')})...`, 'reload');
    const env = reexecEnv(this.opts.environ, s.drop_environment_variables);
    // einhorn always runs the new code once (--upgrade-check) before exec'ing into it. When the
    // new image would be this very program, known to run, hexad skips that extra start of Node.
    const same = this.sameProgram();
    if (same) this.log.debug('Skipping the reload pre-flight: same program, same environment as this master image');
    const ok = same || (await preflight(upgradeCommandline(base, ['--upgrade-check'], s.cmd), env));
    if (!ok || !s.respawn || this.finished) {
      this.log.error('Can not initiate einhorn master reload safely, aborting', 'reload');
      this.abandonUpgrade('ERROR: Can not initiate einhorn master reload safely, aborting');
      this.reloading = false;
      return;
    }
    this.reexecing = true;
    await this.control.quiesce();
    // from here on, synchronous up to the exec: nothing else may run in between
    const control = this.control.snapshot();
    s.generation += 1;
    const handoff: Handoff = {
      hexad_einhorn: 1,
      state: serializeState(s),
      control,
      ack_timers: [...this.ackTimers.values()].map(({ pid, time, start }) => ({ pid, time, start })),
    };
    // what the next image keeps besides stdin, stdout and stderr (the addon's execve keeps those)
    const keep = [...s.bind_fds, control.server, ...control.connections.map((c) => c.fd), ...(s.notification_fd !== null ? [s.notification_fd] : [])];
    let stateFd = -1;
    try {
      stateFd = stateFile(JSON.stringify(handoff));
      const cmdline = upgradeCommandline(base, ['--with-state-fd', String(stateFd)], s.cmd);
      this.log.info(`About to re-exec einhorn master as ${inspect(cmdline)}`, 'reload');
      for (const fd of keep) native.setCloexec(fd, false);
      execInPlace(cmdline, env);
    } catch (e) {
      for (const fd of keep) {
        try {
          native.setCloexec(fd, true);
        } catch {
          /* closed meanwhile */
        }
      }
      if (stateFd >= 0) closeSync(stateFd);
      s.generation -= 1;
      this.log.error(`Could not reload! Attempting to continue. Error was: ${errMessage(e)}`, 'reload');
      this.abandonUpgrade(`ERROR: Could not reload! Error was: ${errMessage(e)}`);
      this.control.thaw();
      this.reexecing = false;
      this.reloading = false;
      this.breakLoop();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Exit

  private removeFiles(): void {
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

export function errMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'errno' in e && typeof (e as { errno: unknown }).errno === 'number') {
    return native.strerror((e as { errno: number }).errno);
  }
  return e instanceof Error ? e.message : String(e);
}

export { deserializeState };
export type { Connection };
