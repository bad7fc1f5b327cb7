// The master's state, named as einhorn names it (snake_case keys), because the `state` command
// shows it and a re-exec passes it to the next master image. WorkerPool's classifications too.
import { RubySet, RubyTime, Sym } from './yaml.js';

export type AckMode = { type: 'timer'; timeout: number } | { type: 'manual' };

export interface Child {
  type: 'worker';
  version: number;
  acked: boolean;
  /** einhorn's Set of recorded signal names, in the order they were sent */
  signaled: string[];
  last_signaled_at: number | null;
  index: number;
  /** wall clock (ms) of the spawn; with `spinup_ns`, also the guard against pid reuse */
  spinup_time: number;
  spinup_ns: string;
  pinged_at?: number;
  pinged_request_id?: unknown;
}

export type Family = 'ipv4' | 'ipv6' | 'unix';

export interface Bind {
  /** as typed after -b, without the flags */
  spec: string;
  host: string;
  port: number;
  flags: string[];
  family: Family;
  /** the address bound (an IP literal or a socket path) */
  address: string;
}

export interface Config {
  number: number;
  backlog: number;
  seconds: number;
  max_unacked?: number;
  max_upgrade_additional?: number;
  /** hexad: seconds a manual-ACK worker may take before it is killed */
  ack_deadline?: number;
}

export interface State {
  children: Map<number, Child>;
  config: Config;
  version: number;
  orig_cmd: string[];
  cmd: string[];
  bind: Bind[];
  bind_fds: number[];
  bound_ports: number[];
  respawn: boolean;
  upgrading: boolean;
  smooth_upgrade: boolean;
  reloading_for_upgrade: boolean;
  cmd_name: string | null;
  verbosity: number;
  generation: number;
  /** wall clock ms of the last spawn (display); the pacing uses `last_spinup_mono` */
  last_spinup: number | null;
  last_spinup_mono: number | null;
  ack_mode: AckMode;
  kill_children_on_exit: boolean;
  command_socket_as_fd: boolean;
  /** hexad: also export systemd's LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES (--systemd-fds) */
  systemd_fds: boolean;
  /** hexad: the s6 notification descriptor, until readiness has been written on it */
  notification_fd: number | null;
  socket_path: string;
  pidfile: string;
  lockfile: string;
  /** whether -e / -f were given (einhorn's state shows nil for defaults) */
  pidfile_given: boolean;
  lockfile_given: boolean;
  consecutive_deaths_before_ack: number;
  last_upgraded: number | null;
  nice: { master: number | null; worker: number | null; renice_cmd: string };
  reexec_commandline: string[] | null;
  drop_environment_variables: string[];
  signal_timeout: number | null;
}

export function defaultState(): State {
  return {
    children: new Map(),
    config: { number: 1, backlog: 100, seconds: 1 },
    version: 0,
    orig_cmd: [],
    cmd: [],
    bind: [],
    bind_fds: [],
    bound_ports: [],
    respawn: true,
    upgrading: false,
    smooth_upgrade: false,
    reloading_for_upgrade: false,
    cmd_name: null,
    verbosity: 1,
    generation: 0,
    last_spinup: null,
    last_spinup_mono: null,
    ack_mode: { type: 'timer', timeout: 1 },
    kill_children_on_exit: false,
    command_socket_as_fd: false,
    systemd_fds: false,
    notification_fd: null,
    socket_path: '',
    pidfile: '',
    lockfile: '',
    pidfile_given: false,
    lockfile_given: false,
    consecutive_deaths_before_ack: 0,
    last_upgraded: null,
    nice: { master: null, worker: null, renice_cmd: '/usr/bin/renice' },
    reexec_commandline: null,
    drop_environment_variables: [],
    signal_timeout: null,
  };
}

/** Monotonic milliseconds (CLOCK_MONOTONIC: the same clock after a re-exec of the master). */
export function monoMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

// ---------------------------------------------------------------------------------------------
// WorkerPool (einhorn's classifications, in the children table's insertion order)

type Entry = [number, Child];

export class Pool {
  constructor(private readonly s: State) {}

  private all(): Entry[] {
    return [...this.s.children.entries()];
  }

  workers(): number[] {
    return this.all().map(([p]) => p);
  }

  private modern(): Entry[] {
    return this.all().filter(([, c]) => c.version === this.s.version);
  }

  modernWorkers(): number[] {
    return this.modern().map(([p]) => p);
  }

  /** unsignaled workers of an older version, oldest first */
  oldWorkers(): number[] {
    return this.all().filter(([, c]) => c.signaled.length === 0 && c.version !== this.s.version).map(([p]) => p);
  }

  ackCount(): number {
    return this.modern().filter(([, c]) => c.acked && c.signaled.length === 0).length;
  }

  ackTarget(): number {
    return this.s.config.number;
  }

  missing(): number {
    return this.ackTarget() - this.modern().length;
  }

  unsignaledCount(): number {
    return this.modern().filter(([, c]) => c.signaled.length === 0).length;
  }

  unackedUnsignaledModern(): number[] {
    return this.modern().filter(([, c]) => !c.acked && c.signaled.length === 0).map(([p]) => p);
  }

  /** unsignaled modern workers, unacked first, then in spawn order */
  unsignaledModernByPriority(): number[] {
    const m = this.modern().filter(([, c]) => c.signaled.length === 0);
    return [...m.filter(([, c]) => !c.acked), ...m.filter(([, c]) => c.acked)].map(([p]) => p);
  }
}

// ---------------------------------------------------------------------------------------------
// The `state` command's document: einhorn's Ruby YAML shape (symbol keys, Set, Time)

const S = Sym.of;

function time(ms: number | null, ns?: string): RubyTime | null {
  return ms === null ? null : new RubyTime(ms, ns);
}

export function rubyState(s: State): Map<unknown, unknown> {
  const children = new Map<unknown, unknown>();
  for (const [pid, c] of s.children) {
    const m = new Map<unknown, unknown>([
      [S('type'), S(c.type)],
      [S('version'), c.version],
      [S('acked'), c.acked],
      [S('signaled'), new RubySet(c.signaled)],
      [S('last_signaled_at'), time(c.last_signaled_at)],
      [S('index'), c.index],
      [S('spinup_time'), time(c.spinup_time, c.spinup_ns)],
    ]);
    if (c.pinged_at !== undefined) {
      m.set(S('pinged_at'), time(c.pinged_at));
      m.set(S('pinged_request_id'), c.pinged_request_id ?? null);
    }
    children.set(pid, m);
  }
  const config = new Map<unknown, unknown>([
    [S('number'), s.config.number],
    [S('backlog'), s.config.backlog],
    [S('seconds'), s.config.seconds],
  ]);
  if (s.config.max_unacked !== undefined) config.set(S('max_unacked'), s.config.max_unacked);
  if (s.config.max_upgrade_additional !== undefined) config.set(S('max_upgrade_additional'), s.config.max_upgrade_additional);
  if (s.config.ack_deadline !== undefined) config.set(S('ack_deadline'), s.config.ack_deadline);
  const ack = new Map<unknown, unknown>([[S('type'), S(s.ack_mode.type)]]);
  if (s.ack_mode.type === 'timer') ack.set(S('timeout'), s.ack_mode.timeout);
  const state = new Map<unknown, unknown>([
    [S('children'), children],
    [S('config'), config],
    [S('versions'), new Map()],
    [S('version'), s.version],
    [S('sockets'), new Map()],
    [S('orig_cmd'), s.orig_cmd],
    [S('bind'), s.bind.map((b) => [b.host, b.port, b.flags])],
    [S('bind_fds'), s.bind_fds],
    [S('bound_ports'), s.bound_ports],
    [S('cmd'), s.cmd],
    [S('script_name'), null],
    [S('respawn'), s.respawn],
    [S('upgrading'), s.upgrading],
    [S('smooth_upgrade'), s.smooth_upgrade],
    [S('reloading_for_upgrade'), s.reloading_for_upgrade],
    [S('path'), null],
    [S('cmd_name'), s.cmd_name],
    [S('verbosity'), s.verbosity],
    [S('generation'), s.generation],
    [S('last_spinup'), time(s.last_spinup)],
    [S('ack_mode'), ack],
    [S('kill_children_on_exit'), s.kill_children_on_exit],
    [S('command_socket_as_fd'), s.command_socket_as_fd],
    [S('socket_path'), s.socket_path],
    [S('pidfile'), s.pidfile_given ? s.pidfile : null],
    [S('lockfile'), s.lockfile_given ? s.lockfile : null],
    [S('consecutive_deaths_before_ack'), s.consecutive_deaths_before_ack],
    [S('last_upgraded'), time(s.last_upgraded)],
    [S('nice'), new Map<unknown, unknown>([[S('master'), s.nice.master], [S('worker'), s.nice.worker], [S('renice_cmd'), s.nice.renice_cmd]])],
    [S('reexec_commandline'), s.reexec_commandline],
    [S('drop_environment_variables'), s.drop_environment_variables],
    [S('signal_timeout'), s.signal_timeout],
    [S('preloaded'), false],
  ]);
  return new Map([[S('state'), state]]);
}

// ---------------------------------------------------------------------------------------------
// Passing the state to the next master image (JSON; the children table keeps its order)

export function serializeState(s: State): unknown {
  return { ...s, children: [...s.children.entries()] };
}

export function deserializeState(v: unknown): State {
  if (!v || typeof v !== 'object') throw new Error('state is not an object');
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.children)) throw new Error('state has no children table');
  const base = defaultState() as unknown as Record<string, unknown>;
  // keys this version does not know are dropped, missing ones get their defaults (as einhorn does)
  for (const k of Object.keys(base)) if (k in o && k !== 'children') base[k] = o[k];
  const s = base as unknown as State;
  s.children = new Map(o.children as [number, Child][]);
  return s;
}
