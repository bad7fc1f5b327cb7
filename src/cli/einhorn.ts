// hexad einhorn [OPTIONS] [--] PROGRAM [ARGS…]: einhorn 1.1.1's command line.
import { settleMemory } from './daemon.js';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { Fatal } from '../s6/diag.js';
import { EINHORN_VERSION } from '../einhorn/commands.js';
import { writeStderr } from '../einhorn/log.js';
import { Master, StartupError, deserializeState, type Handoff } from '../einhorn/master.js';
import { OptionError, buildState } from '../einhorn/options.js';
import { RuntimeDirError } from '../s6/runtime-dir.js';
import { findExecutable, readStateFd } from '../einhorn/reexec.js';
import { getopt, type LongOption } from './getopt.js';

export const usage = '[OPTIONS] [--] PROGRAM [ARGS…]';

// captured before anything changes it: a reload restores exactly this environment
const ENVIRON = { ...process.env };

const SHORT: Record<string, string> = {
  b: 'bind', c: 'command-name', d: 'socket-path', e: 'pidfile', f: 'lockfile', g: 'command-socket-as-fd', h: 'help',
  k: 'kill-children-on-exit', l: 'backlog', m: 'ack-mode', n: 'number', p: 'preload', q: 'quiet', s: 'seconds',
  t: 'signal-timeout', v: 'verbose',
};
const WITH_ARG = new Set(['bind', 'command-name', 'socket-path', 'pidfile', 'lockfile', 'backlog', 'ack-mode', 'number', 'preload', 'seconds',
  'signal-timeout', 'drop-env-var', 'reexec-as', 'nice', 'max-unacked', 'max-upgrade-additional', 'with-state-fd', 'ack-deadline']);
const LONGS: LongOption[] = [
  ...Object.values(SHORT),
  'drop-env-var', 'reexec-as', 'nice', 'max-unacked', 'max-upgrade-additional', 'gc-before-fork', 'version', 'with-state-fd',
  'upgrade-check', 'ack-deadline', 'systemd-fds',
].map((name) => ({ name, arg: WITH_ARG.has(name) }));

// einhorn prints a Markdown banner headed `## Usage` when it is given no program; the heading and
// the exit status 1 are einhorn's, the words are hexad's.
const SHORT_USAGE = `## Usage

hexad einhorn keeps copies of a program running on shared listening sockets, and replaces them
without dropping a connection. In short:

    einhorn [options] [--] PROGRAM [ARGS...]

For example, four workers sharing port 8080, each telling the master when it is ready:

    hexad einhorn -n 4 -b 0.0.0.0:8080,r -m manual -- ./server

Talk to a running master with \`hexad einhornsh\`. Run with -h for every option.
`;

const LONG_USAGE = `Usage: einhorn [options] [--] PROGRAM [ARGS...]

Options:
  -b, --bind ADDR          bind ADDR and pass it to the workers (repeatable). ADDR is HOST:PORT,
                           [IPV6]:PORT or unix:PATH, followed by flags: ,r (SO_REUSEADDR) ,n (O_NONBLOCK)
  -c, --command-name NAME  name shown by ps; default socket, pid and lock file names
  -d, --socket-path PATH   command socket (default $TMPDIR/einhorn[-NAME].sock)
  -e, --pidfile PATH       pid file (default $TMPDIR/einhorn[-NAME].pid)
  -f, --lockfile PATH      lock file (default $TMPDIR/einhorn[-NAME].lock)
  -g, --command-socket-as-fd  give each worker a connection to the command socket (EINHORN_SOCK_FD)
  -h, --help               this text
  -k, --kill-children-on-exit  send USR2 to the workers when the master exits or dies
  -l, --backlog N          listen(2) backlog (default 100)
  -m, --ack-mode MODE      manual, or SECONDS after which a live worker counts as up (default 1)
  -n, --number N           number of workers (default 1)
  -q, --quiet              less output (repeatable)
  -s, --seconds SECONDS    interval between gradual spawns and base of the backoff (default 1)
  -t, --signal-timeout T   SIGKILL a signalled worker still alive T seconds later
  -v, --verbose            more output (repeatable)
      --drop-env-var VAR   remove VAR from the environment of the re-exec'd master (repeatable)
      --reexec-as=CMDLINE  command that re-runs the master on reload/upgrade
      --nice MASTER[:WORKER][:RENICE_CMD]  nice levels
      --max-unacked N      most unacked new workers at once (default: number of CPUs)
      --max-upgrade-additional N  most workers above -n during an upgrade
      --ack-deadline SECONDS  (hexad) kill a manual-ACK worker that has not ACKed in time;
                           an upgrade it belonged to is abandoned, the serving workers stay
      --systemd-fds        (hexad) also pass the sockets the systemd way: LISTEN_FDS, LISTEN_PID,
                           LISTEN_FDNAMES (off by default: servers that read both protocols, such
                           as gunicorn, would take each socket twice)
      --version            print the einhorn version this is compatible with
`;

function normalize(opts: [string, string | undefined][]): [string, string | undefined][] {
  return opts.map(([n, v]) => [SHORT[n] ?? n, v]);
}

export default async function main(args: string[], prog: string): Promise<number | void> {
  const { opts: raw, rest } = getopt(args, 'b:c:d:e:f:ghkl:m:n:p:qs:t:v', LONGS);
  const opts = normalize(raw);
  const names = new Set(opts.map(([n]) => n));
  if (names.has('help')) {
    process.stdout.write(LONG_USAGE);
    return 1;
  }
  if (names.has('version')) {
    process.stdout.write(`${EINHORN_VERSION}\n`);
    return 0;
  }
  if (names.has('upgrade-check')) {
    writeStderr(`[MASTER ${process.pid}] INFO: Running under Node ${process.version}\n`);
    return 0;
  }
  // the command that runs this program again, for reload
  const self = [process.execPath, ...process.execArgv, process.argv[1], ...(prog.startsWith('hexad ') ? ['einhorn'] : [])];
  const stateFd = opts.find(([n]) => n === 'with-state-fd');
  if (stateFd) return restore(Number(stateFd[1]), self);
  if (rest.length < 1) {
    process.stdout.write(SHORT_USAGE);
    return 1;
  }
  let parsed;
  try {
    parsed = buildState(opts.filter(([n]) => n !== 'with-state-fd'), rest);
  } catch (e) {
    if (e instanceof OptionError) throw new Fatal(100, e.message);
    if (e instanceof RuntimeDirError) throw new Fatal(111, e.message);
    throw e;
  }
  const state = parsed.state;
  settleMemory();
  if (parsed.preload !== undefined) writeStderr(`[MASTER ${process.pid}] ERROR: -p/--preload is Ruby-only; ignoring it\n`);
  if (state.config.number < 1) {
    writeStderr(`[MASTER ${process.pid}] ERROR: You need to spin up at least at least 1 copy of the process\n`);
    return 0;
  }
  const exe = findExecutable(rest[0]);
  if (!exe) throw new Fatal(111, `unable to find program ${rest[0]}: not found${rest[0].includes('/') ? ' or not executable' : ' in PATH'}`);
  state.cmd[0] = isAbsolute(exe) ? exe : resolvePath(exe);
  const master = new Master(state, { self, environ: ENVIRON });
  try {
    await master.startFresh();
  } catch (e) {
    if (e instanceof StartupError) throw new Fatal(111, e.message);
    throw e;
  }
  return undefined;
}

function restore(fd: number, self: string[]): number | void {
  let handoff: Handoff;
  try {
    handoff = JSON.parse(readStateFd(fd)) as Handoff;
    if (handoff.hexad_einhorn !== 1) throw new Error('not a hexad einhorn state');
  } catch (e) {
    throw new Fatal(111, `unable to read the state passed by the previous master image: ${(e as Error).message}`);
  }
  const master = new Master(deserializeState(handoff.state), { self, environ: ENVIRON });
  master.startRestored(handoff);
  return undefined;
}
