// Option values as einhorn parses them (Ruby's to_i, Float(), Integer()), turned into the initial
// state. Errors are thrown as OptionError with einhorn's wording where it has one.
import { join, resolve as resolvePath } from 'node:path';
import { BindError, parseBind } from './bind.js';
import { ShellwordsError, shellsplit } from './shellwords.js';
import { defaultState, type State } from './state.js';
import { defaultBase, defaultFilesDir } from './paths.js';
import { RuntimeDirError } from '../s6/runtime-dir.js';

export class OptionError extends Error {}

/** Ruby's String#to_i: optional blanks, a sign and digits; 0 when there are none. */
export function rubyToI(s: string): number {
  const m = /^\s*([-+]?\d[\d_]*)/.exec(s);
  return m ? Number(m[1].replace(/_/g, '')) : 0;
}

/** Ruby's Float(): a decimal number (blanks around allowed), or an error. */
export function rubyFloat(s: string): number | null {
  const t = s.trim();
  if (/^[-+]?(\d[\d_]*)(\.\d[\d_]*)?([eE][-+]?\d+)?$/.test(t) || /^[-+]?\.\d+([eE][-+]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?0x[0-9a-fA-F]+$/.test(t)) return Number.parseInt(t, 16);
  return null;
}

/** Ruby's Integer(): an integer literal (decimal, 0x, 0b, 0o/0 octal), or an error. */
export function rubyInteger(s: string): number | null {
  const t = s.trim().replace(/_/g, '');
  const m = /^([-+]?)(0x[0-9a-fA-F]+|0b[01]+|0o?[0-7]+|[1-9]\d*|0)$/i.exec(t);
  if (!m) return null;
  const body = m[2].toLowerCase();
  const n = body.startsWith('0x') ? parseInt(body.slice(2), 16) : body.startsWith('0b') ? parseInt(body.slice(2), 2) : body.startsWith('0o') ? parseInt(body.slice(2), 8) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : Number(body);
  return m[1] === '-' ? -n : n;
}

export interface Parsed {
  state: State;
  /** hexad: -p is Ruby-only */
  preload?: string;
  gcBeforeFork?: boolean;
}

/** Applies einhorn's options, in order, to a fresh state. `opts` come from getopt (long names). */
export function buildState(opts: [string, string | undefined][], program: string[], env: NodeJS.ProcessEnv = process.env): Parsed {
  const s = defaultState();
  const out: Parsed = { state: s };
  for (const [name, v] of opts) {
    const val = v ?? '';
    switch (name) {
      case 'bind':
        try {
          s.bind.push(parseBind(val));
        } catch (e) {
          throw new OptionError((e as BindError).message);
        }
        break;
      case 'command-name':
        s.cmd_name = val;
        break;
      case 'socket-path':
        s.socket_path = val;
        break;
      case 'pidfile':
        s.pidfile = val;
        s.pidfile_given = true;
        break;
      case 'lockfile':
        s.lockfile = val;
        s.lockfile_given = true;
        break;
      case 'command-socket-as-fd':
        s.command_socket_as_fd = true;
        break;
      case 'systemd-fds':
        s.systemd_fds = true;
        break;
      case 'kill-children-on-exit':
        s.kill_children_on_exit = true;
        break;
      case 'backlog':
        s.config.backlog = rubyToI(val);
        break;
      case 'ack-mode': {
        if (val === 'manual') {
          s.ack_mode = { type: 'manual' };
          break;
        }
        const f = rubyFloat(val);
        if (f === null) throw new OptionError(`Invalid ack-mode ${JSON.stringify(val)} (valid modes: FLOAT or manual)`);
        s.ack_mode = { type: 'timer', timeout: f };
        break;
      }
      case 'number':
        s.config.number = rubyToI(val);
        break;
      case 'preload':
        out.preload = val;
        break;
      case 'quiet':
        if (s.verbosity < 2) s.verbosity += 1;
        break;
      case 'verbose':
        if (s.verbosity > 0) s.verbosity -= 1;
        break;
      case 'seconds': {
        const f = rubyFloat(val);
        if (f === null) throw new OptionError(`invalid value for Float(): ${JSON.stringify(val)}`);
        if (f <= 0) throw new OptionError('seconds must be > 0');
        s.config.seconds = f;
        break;
      }
      case 'drop-env-var':
        s.drop_environment_variables.push(val);
        break;
      case 'reexec-as':
        try {
          s.reexec_commandline = shellsplit(val);
        } catch (e) {
          throw new OptionError(`--reexec-as: ${(e as ShellwordsError).message}`);
        }
        if (s.reexec_commandline.length === 0) throw new OptionError('--reexec-as needs a command');
        break;
      case 'nice': {
        const [master, worker, cmd] = val.split(':');
        for (const [label, x] of [['master', master], ['worker', worker]] as const) {
          if (x === undefined || x === '') continue;
          const n = rubyInteger(x);
          if (n === null) throw new OptionError(`--nice: invalid ${label} level ${JSON.stringify(x)}`);
          s.nice[label] = n;
        }
        if (cmd) s.nice.renice_cmd = cmd;
        break;
      }
      case 'signal-timeout': {
        const n = rubyInteger(val);
        if (n === null) throw new OptionError(`invalid value for Integer(): ${JSON.stringify(val)}`);
        s.signal_timeout = n > 0 ? n : null;
        break;
      }
      case 'max-unacked': {
        const n = rubyInteger(val);
        if (n === null || n <= 0) throw new OptionError('--max-unacked must be a positive integer');
        s.config.max_unacked = n;
        break;
      }
      case 'max-upgrade-additional': {
        const n = rubyInteger(val);
        if (n === null) throw new OptionError(`invalid value for Integer(): ${JSON.stringify(val)}`);
        s.config.max_upgrade_additional = n;
        break;
      }
      case 'ack-deadline': {
        const f = rubyFloat(val);
        if (f === null || f <= 0) throw new OptionError('--ack-deadline must be a number of seconds > 0');
        s.config.ack_deadline = f;
        break;
      }
      case 'gc-before-fork':
        out.gcBeforeFork = true;
        break;
      default:
        throw new OptionError(`unknown option ${name}`);
    }
  }
  // einhorn's defaults: $TMPDIR/einhorn[-NAME].{sock,pid,lock}; hexad makes them absolute, and
  // puts them in the user's runtime directory when not root (see paths.ts)
  const needDir = !s.socket_path || !s.pidfile || !s.lockfile;
  let dir = '';
  if (needDir) {
    try {
      dir = defaultFilesDir(env);
    } catch (e) {
      throw new RuntimeDirError(`unable to prepare the directory of the default command socket, pidfile and lockfile: ${(e as Error).message} (or pass -d, -e and -f)`);
    }
  }
  const base = defaultBase(s.cmd_name);
  s.socket_path = resolvePath(s.socket_path || join(dir, `${base}.sock`));
  s.pidfile = resolvePath(s.pidfile || join(dir, `${base}.pid`));
  s.lockfile = resolvePath(s.lockfile || join(dir, `${base}.lock`));
  s.orig_cmd = [...program];
  s.cmd = [...program];
  return out;
}
