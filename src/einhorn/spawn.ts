// Starting one worker: the listening sockets at fd 3, 4, … (spawn's stdio array), einhorn's and
// (with --systemd-fds) systemd's variables, its own session and process group, and a /bin/sh prologue that sets
// LISTEN_PID to the worker's own pid (unknowable before the fork) before exec'ing the program.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface WorkerSpec {
  cmd: string[];
  env: Record<string, string | undefined>;
  /** the listening sockets, in -b order; they land at fd 3, 4, … */
  bindFds: number[];
  masterPid: number;
  socketPath: string;
  index: number;
  /** -g: a connection to the command socket, passed at the fd after the sockets */
  commandFd?: number;
  /** --nice worker level and renice command */
  nice?: { level: number; cmd: string };
  /** --systemd-fds: also export LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES */
  systemdFds?: boolean;
  /** -k: ask the kernel for SIGUSR2 when the master dies (through util-linux's setpriv) */
  pdeathsig?: string;
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

export function setprivPath(): string | null {
  return SETPRIV;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The sh prologue; "$0" "$@" are the program and its arguments. */
export function prologue(spec: Pick<WorkerSpec, 'nice' | 'pdeathsig' | 'systemdFds' | 'bindFds'>): string {
  let s = spec.systemdFds && spec.bindFds.length ? 'LISTEN_PID=$$; export LISTEN_PID; ' : '';
  if (spec.nice) {
    // einhorn runs the renice command through a shell too, unescaped
    s += `${spec.nice.cmd} ${spec.nice.level} -p $$ >/dev/null || echo "[WORKER $$] ERROR: Renice command exited with status: $?, but continuing on anyway." >&2; `;
  }
  if (spec.pdeathsig && SETPRIV) s += `exec ${shQuote(SETPRIV)} --pdeathsig ${spec.pdeathsig} -- "$0" "$@"`;
  else s += 'exec "$0" "$@"';
  return s;
}

export function workerEnv(spec: WorkerSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.env)) if (v !== undefined) env[k] = v;
  env.EINHORN_MASTER_PID = String(spec.masterPid);
  env.EINHORN_SOCK_PATH = spec.socketPath;
  delete env.EINHORN_SOCK_FD;
  if (spec.commandFd !== undefined) env.EINHORN_SOCK_FD = String(3 + spec.bindFds.length);
  for (const k of Object.keys(env)) if (/^EINHORN_FD_\d+$/.test(k)) delete env[k];
  env.EINHORN_FD_COUNT = String(spec.bindFds.length);
  spec.bindFds.forEach((_, i) => {
    env[`EINHORN_FD_${i}`] = String(3 + i);
  });
  env.EINHORN_CHILD_INDEX = String(spec.index);
  // systemd's sd_listen_fds(3) protocol for the same descriptors, only on request: a server that
  // honours both protocols (gunicorn) would take the sockets twice. LISTEN_PID is set by the prologue.
  // Variables of that protocol inherited from our own environment are never passed on.
  delete env.LISTEN_PID;
  if (spec.systemdFds && spec.bindFds.length) {
    env.LISTEN_FDS = String(spec.bindFds.length);
    env.LISTEN_FDNAMES = spec.bindFds.map((_, i) => `einhorn${i}`).join(':');
  } else {
    delete env.LISTEN_FDS;
    delete env.LISTEN_FDNAMES;
  }
  return env;
}

export function spawnWorker(spec: WorkerSpec): ChildProcess {
  const stdio: (number | 'inherit')[] = ['inherit', 'inherit', 'inherit', ...spec.bindFds];
  if (spec.commandFd !== undefined) stdio.push(spec.commandFd);
  return spawn('/bin/sh', ['-c', prologue(spec), ...spec.cmd], {
    env: workerEnv(spec),
    stdio,
    detached: true,
  });
}
