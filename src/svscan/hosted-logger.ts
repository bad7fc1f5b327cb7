// The scanner runs a service's logger inside its own process when `log/run` is nothing but a
// call of hexad's logger: `#!/bin/sh` + `exec hexad log ARGS` (or `#!…execlineb -P` +
// `hexad log ARGS`, or hexad called through node and bin/hexad.js as the config compiler
// writes it), with plain words only (no variables, globs, redirections or other commands). The
// same logger code runs, with the same files on disk; what changes is that it costs no process
// of its own. Any other `log/run` runs as a process, as does every logger when the scanner's
// environment has HEXAD_HOSTED_LOGGERS=0. `run` is read again at each start, as s6 execs it
// again.
import { accessSync, closeSync, openSync, readSync, constants as C } from 'node:fs';
import { basename, join } from 'node:path';
import { parseLogArgs, usage } from '../log/args.js';
import { openLogger, type Logger } from '../log/logger.js';
import { Stderr } from '../log/sinks.js';
import { UsageError } from '../cli/getopt.js';
import { Fatal, errText } from '../s6/diag.js';
import { signalNumber } from '../s6/signals.js';
import type { HostedChooser, HostedContext, HostedRun } from '../supervise/hosted.js';

const MAX_RUN = 4096;
const SH = /^#!\s*(\/bin\/(sh|dash|bash)|\/usr\/bin\/env\s+(sh|bash))(\s+-e)?\s*$/;
const EXECLINE = /^#!\s*(\/command\/|\/usr\/bin\/|\/bin\/|\/usr\/bin\/env\s+)execlineb(\s+-P)?\s*$/;
const BARE = /^[A-Za-z0-9_@%+=:,./!^-]+/;

/** The words of one command line, or null if anything in it is not a plain word. */
function words(line: string, execline: boolean): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let w = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      const c = line[i];
      if (c === "'" && !execline) {
        const e = line.indexOf("'", i + 1);
        if (e < 0) return null;
        w += line.slice(i + 1, e);
        i = e + 1;
      } else if (c === '"') {
        const e = line.indexOf('"', i + 1);
        if (e < 0) return null;
        const inner = line.slice(i + 1, e);
        if (/[$`\\]/.test(inner)) return null;
        w += inner;
        i = e + 1;
      } else {
        const m = BARE.exec(line.slice(i));
        if (!m) return null;
        w += m[0];
        i += m[0].length;
      }
    }
    out.push(w);
  }
  return out;
}

const isHexad = (w: string): boolean => ['hexad', 'hexad.js'].includes(basename(w));
const isNode = (w: string): boolean => w === process.execPath || /^node(js)?[0-9]*$/.test(basename(w));

/** The arguments of `hexad log` if `text` is a log/run this scanner can host, else null. */
export function hostedLogArgs(text: string): string[] | null {
  const lines = text.split('\n');
  const first = lines.shift() ?? '';
  const execline = EXECLINE.test(first);
  if (!execline && !SH.test(first)) return null;
  const body = lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (body.length !== 1 || body[0].endsWith('\\')) return null;
  const w = words(body[0], execline);
  if (!w) return null;
  if (!execline) {
    if (w[0] !== 'exec') return null;
    w.shift();
  }
  let at = 0;
  if (w.length > 1 && isNode(w[0]) && isHexad(w[1])) at = 1;
  if (!isHexad(w[at]) || w[at + 1] !== 'log') return null;
  return w.slice(at + 2);
}

function readRun(dir: string): string | null {
  const path = join(dir, 'run');
  let fd: number;
  try {
    accessSync(path, C.X_OK);
    fd = openSync(path, C.O_RDONLY);
  } catch {
    return null; // spawning it reports why
  }
  try {
    const buf = Buffer.alloc(MAX_RUN + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return n > MAX_RUN ? null : buf.toString('utf8', 0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

interface Counts { bytesWritten: number; linesWritten: number; linesDropped: number }

/** The scanner's hosted loggers: the chooser of each logger slot, and their counters for the
 * metrics, kept across the logger's restarts. */
export class HostedLoggers {
  private readonly totals = new Map<string, Counts>();
  private readonly live = new Map<string, Logger>();

  /** The chooser of the logger slot called `name` (`svc/log`). */
  chooser(name: string): HostedChooser {
    return (dir) => {
      if (process.env.HEXAD_HOSTED_LOGGERS === '0') return null;
      const text = readRun(dir);
      const args = text === null ? null : hostedLogArgs(text);
      if (!args) return null;
      return (ctx) => startHostedLogger(args, ctx, (logger) => {
        if (logger) this.live.set(name, logger);
        else this.ended(name);
      });
    };
  }

  private ended(name: string): void {
    const l = this.live.get(name);
    if (!l) return;
    this.live.delete(name);
    this.totals.set(name, this.sum(name, l));
  }

  private sum(name: string, l: Logger | undefined): Counts {
    const t = this.totals.get(name) ?? { bytesWritten: 0, linesWritten: 0, linesDropped: 0 };
    if (!l) return t;
    const s = l.stats();
    return { bytesWritten: t.bytesWritten + s.bytesWritten, linesWritten: t.linesWritten + s.linesWritten, linesDropped: t.linesDropped + s.linesDropped };
  }

  *loggerCounters(): Iterable<{ service: string; counters: Counts }> {
    for (const name of new Set([...this.totals.keys(), ...this.live.keys()])) yield { service: name, counters: this.sum(name, this.live.get(name)) };
  }
}

/** What a signal does to s6-log: TERM and HUP stop it cleanly, ALRM rotates, STOP and CONT
 * pause it, WINCH, CHLD and URG are ignored, every other one kills it. */
function startHostedLogger(args: string[], ctx: HostedContext, track: (l: Logger | null) => void): HostedRun {
  const prog = 'hexad log';
  const stderr = new Stderr(ctx.stdio.stderr);
  let killedBy = 0;
  let logger: Logger | null = null;
  let input = -1;
  try {
    const o = { ...parseLogArgs(args, prog), notif: null };
    input = openSync(`/proc/self/fd/${ctx.stdio.stdin}`, C.O_RDONLY | C.O_NONBLOCK);
    logger = openLogger(o, { input, stdout: ctx.stdio.stdout, stderr, hosted: true, cwd: ctx.dir },
      (code) => {
        track(null);
        ctx.exit(code < 0 ? killedBy : (code & 0xff) << 8);
      });
    track(logger);
  } catch (e) {
    if (input >= 0 && !logger) closeSync(input);
    const code = e instanceof Fatal ? e.code : e instanceof UsageError ? 100 : 111;
    const msg = e instanceof Fatal ? e.message : e instanceof UsageError ? `usage: ${prog} ${usage}` : errText(e);
    stderr.write(`${prog}: fatal: ${msg}\n`);
    ctx.exit(code << 8);
    return { signal: () => {} };
  }
  const running = logger;
  const notifFile = (() => {
    try {
      accessSync(join(ctx.dir, 'notification-fd'));
      return true;
    } catch {
      return false;
    }
  })();
  if (notifFile || args.includes('-d')) setImmediate(() => ctx.ready());
  const ignored = new Set(['SIGWINCH', 'SIGCHLD', 'SIGURG'].map(signalNumber));
  return {
    signal(sig: number): void {
      if (sig === signalNumber('SIGTERM')) running.signal('SIGTERM');
      else if (sig === signalNumber('SIGHUP')) running.signal('SIGHUP');
      else if (sig === signalNumber('SIGALRM')) running.signal('SIGALRM');
      else if (sig === signalNumber('SIGSTOP')) running.hold(true);
      else if (sig === signalNumber('SIGCONT')) running.hold(false);
      else if (!ignored.has(sig) && sig > 0) {
        killedBy = sig;
        running.abort();
      }
    },
  };
}
