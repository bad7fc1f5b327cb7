// hexad log: reads stdin, runs every line through the script, and stops on EOF, SIGTERM
// (unless -p) or SIGHUP with everything it read written and every logdir closed cleanly.
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync, readSync, writeSync } from 'node:fs';
import { constants as OS } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { dup2, strerror } from '../native/index.js';
import { errText, Fatal } from '../s6/diag.js';
import { Engine, type LineSink } from './engine.js';
import { Input } from './input.js';
import { holdBefore, Logdir } from './logdir.js';
import { Spool } from './spool.js';
import { SpoolInput } from './spool-input.js';
import { OutBuf } from './outbuf.js';
import { parseScript } from './script.js';
import { AlertSink, StatusFiles, Stderr, StdoutSink } from './sinks.js';

export interface LoggerOptions {
  script: string[];
  /** -d: fd to write a newline to once ready */
  notif: number | null;
  /** 0 (-q): alerts and fatal errors only; 1: and warnings */
  verbosity: number;
  /** -b: do not read while output is pending */
  block: boolean;
  /** -p: ignore SIGTERM */
  protect: boolean;
  /** -l: split lines longer than this (0: never) */
  linelimit: number;
  /** -t: after SIGTERM/SIGHUP, wait this long for the rest of a partial line (0: forever) */
  lastLineMs: number;
  /** the name in messages */
  prog: string;
}

const LINELIMIT_MIN = 48;

/** Could `fd` have come from our parent? It must be open, and not one of the descriptors
 * Node opens for itself (epoll and eventfd anonymous inodes, pipes it holds both ends of),
 * which a number given by mistake would otherwise hit. (Node marks inherited descriptors
 * close-on-exec, so that flag cannot tell them apart.) */
function inherited(fd: number): boolean | 'null' {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return false;
  }
  if (target.startsWith('anon_inode:')) return false;
  // Node keeps a /dev/null descriptor of its own; writing a newline there is harmless, but
  // closing it is not, so a /dev/null notification fd is accepted and left alone.
  if (target === '/dev/null') return 'null';
  if (target.startsWith('pipe:')) {
    for (const other of readdirSync('/proc/self/fd')) {
      if (Number(other) === fd) continue;
      try {
        if (readlinkSync(`/proc/self/fd/${other}`) === target) return false;
      } catch { /* closed meanwhile */ }
    }
  }
  return true;
}

/** Runs the logger; resolves with the exit code once it has stopped. Throws Fatal for a bad
 * script or a logdir that cannot be set up. */
export function runLogger(o: LoggerOptions): Promise<number> {
  if (o.notif !== null) {
    const ok = inherited(o.notif);
    if (!ok) throw new Fatal(100, `invalid notification fd: ${strerror(OS.errno.EBADF)}`);
    if (ok === 'null') o = { ...o, notif: null };
  }
  const stderr = new Stderr();
  // Signals are caught from here on (the default action would kill the logger while it
  // sets up its logdirs) and handled once the logger runs.
  let logger: Logger | null = null;
  const early: NodeJS.Signals[] = [];
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGALRM'] as const) {
    process.on(sig, () => {
      if (logger) logger.signal(sig);
      else early.push(sig);
    });
  }
  let finished: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => { finished = resolve; });
  logger = openLogger(o, { input: 0, stdout: 1, stderr, hosted: false, cwd: null }, (code) => finished(code));
  for (const sig of early) logger.signal(sig);
  return exited;
}

/** A spool is used when the input is a pipe or FIFO (splice needs one) and there is a logdir
 * to keep it in; HEXAD_LOG_SPOOL=0 turns it off. */
function spoolable(fd: number, logdirs: number): boolean {
  if (process.env.HEXAD_LOG_SPOOL === '0' || !Spool.canHold(logdirs)) return false;
  try {
    return fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}

/** Where a logger reads and writes. A hosted logger runs inside another program (the
 * scanner): it owns `input`, and never touches the process's own descriptors or state. */
export interface LoggerIo {
  input: number;
  stdout: number;
  stderr: Stderr;
  hosted: boolean;
  /** the directory relative logdirs and status files are in (null: the process's cwd) */
  cwd: string | null;
}

/** Sets up the logdirs (throws Fatal for a bad script or a logdir that cannot be set up),
 * then starts reading. `done` gets the exit code once the logger stopped (or -1 after abort()). */
export function openLogger(o: LoggerOptions, io: LoggerIo, done: (code: number) => void): Logger {
  const linelimit = o.linelimit && o.linelimit < LINELIMIT_MIN ? LINELIMIT_MIN : o.linelimit;
  const mask = 0o666 & ~process.umask();
  const warn = (m: string): void => {
    if (o.verbosity) io.stderr.write(`${o.prog}: warning: ${m}\n`);
  };
  let logger: Logger | null = null;
  const hooks = { warn, progress: () => logger?.progress() };
  const logdirs: Logdir[] = [];
  const script = parseScript(o.script, (spec) => {
    logdirs.push(new Logdir(io.cwd ? { ...spec, dir: resolvePath(io.cwd, spec.dir) } : spec, mask, hooks));
  });
  if (script.warning) warn(script.warning);
  let spool: Spool | null = null;
  try {
    for (const ld of logdirs) ld.lock();
    if (spoolable(io.input, logdirs.length)) spool = Spool.open(logdirs[0].dir, logdirs.map((ld) => `${ld.dir}/current`));
    for (const ld of logdirs) ld.recover();
  } catch (e) {
    spool?.abandon();
    for (const ld of logdirs) ld.abandon();
    throw e;
  }
  logger = new Logger(o, io, linelimit, script, logdirs, spool, warn, done);
  return logger;
}

export class Logger {
  private readonly engine: Engine;
  private readonly stdout: StdoutSink | null = null;
  private readonly alerts = new OutBuf(1 << 12);
  private readonly status: StatusFiles;
  private readonly input: Input | SpoolInput;
  private lastLine = false;
  private stopped = false;
  private done = false;
  private lastLineTimer: NodeJS.Timeout | null = null;
  private readonly stderr: Stderr;
  private finalizeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: LoggerOptions,
    private readonly io: LoggerIo,
    private readonly linelimit: number,
    script: ReturnType<typeof parseScript>,
    private readonly logdirs: Logdir[],
    private readonly spool: Spool | null,
    private readonly warn: (m: string) => void,
    private readonly resolve: (code: number) => void,
  ) {
    this.stderr = io.stderr;
    this.status = new StatusFiles(warn, io.cwd);
    if (script.elements.some((el) => el.acts.some((a) => a.kind === 'stdout'))) {
      this.stdout = new StdoutSink(io.stdout, (e) => this.stdoutFailed(e), () => this.progress(), io.hosted);
    }
    const lead = Buffer.from(`${o.prog}: alert: `);
    this.engine = new Engine(script, {
      stdout: this.stdout,
      alert: (size: number): LineSink => new AlertSink(this.alerts, lead, size),
      status: (file, size, header, src, s, e) => this.status.set(file, size, header, src, s, e),
      logdirs,
    }, linelimit);


    if (o.notif !== null) {
      try {
        writeSync(o.notif, '\n');
        closeSync(o.notif);
      } catch { /* the reader went away: nothing to tell */ }
    }

    const handlers = {
      data: (buf: Buffer, n: number) => this.data(buf, n),
      end: () => this.eof(),
      error: (e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'EPIPE') warn(`unable to read from stdin: ${errText(e)}`);
        this.eof();
      },
    };
    if (spool) {
      // large rotation sizes take large reads (fewer system calls); small ones keep s6-log's
      // 8191, so that a rotation happens as close to the size as s6-log's
      const smallest = Math.min(...logdirs.map((ld) => ld.spec.size));
      const chunk = Math.max(8191, Math.min(65536, Math.floor(smallest / 16)));
      const si = new SpoolInput(io.input, handlers, spool, warn, chunk);
      this.input = si;
      si.start();
    } else this.input = new Input(io.input, handlers);
  }

  /** Counters for a metrics reader. */
  stats(): { bytesRead: number; bytesWritten: number; linesWritten: number; rotations: number; linesDropped: number } {
    let bytesWritten = 0;
    let linesWritten = 0;
    let rotations = 0;
    for (const ld of this.logdirs) {
      bytesWritten += ld.bytesWritten;
      linesWritten += ld.linesQueued;
      rotations += ld.rotations;
    }
    return { bytesRead: this.bytesRead, bytesWritten, linesWritten, rotations, linesDropped: 0 };
  }

  private bytesRead = 0;

  private data(buf: Buffer, n: number): void {
    if (this.stopped) return;
    this.bytesRead += n;
    if (this.lastLine) {
      // byte by byte: stop at the end of the line
      let i = 0;
      while (i < n && !this.stopped) {
        if (this.engine.feedByte(buf[i++])) this.stop();
        else if (this.linelimit && this.engine.pendingLine >= this.linelimit) {
          this.warn('input line too long, stopping before the end');
          this.engine.finishLine();
          this.stop();
        }
      }
      if (i < n) {
        // read already, so logged too (cannot happen with one-byte reads)
        this.engine.feed(buf.subarray(0, n), i, n);
        if (this.engine.pendingLine) this.engine.finishLine();
      }
    } else this.engine.feed(buf.subarray(0, n), 0, n);
    this.afterBatch();
  }

  signal(sig: NodeJS.Signals): void {
    if (sig === 'SIGALRM') {
      for (const ld of this.logdirs) ld.rotateNow();
      this.progress();
    } else if (sig === 'SIGHUP' || !this.o.protect) this.startLastLine();
  }

  /** EOF (or a read error): the last line is processed even without its newline. */
  private eof(): void {
    if (this.stopped) return;
    if (this.engine.pendingLine) this.engine.finishLine();
    this.afterBatch();
    this.stop();
  }

  /** SIGTERM or SIGHUP: stop now if no line is half read, else after that line. */
  private startLastLine(): void {
    if (this.stopped || this.lastLine) return;
    this.lastLine = true;
    if (!this.engine.pendingLine) {
      this.stop();
      return;
    }
    this.input.byteMode();
    if (this.o.lastLineMs > 0) {
      this.lastLineTimer = setTimeout(() => {
        if (this.stopped) return;
        this.engine.finishLine();
        this.afterBatch();
        this.stop();
      }, this.o.lastLineMs);
    }
  }

  /** Writes what the last lines produced, then starts the rotations that are due; with -b,
   * stops reading while anything waits. */
  private afterBatch(): void {
    this.writeAndRotate();
    this.stdout?.flush();
    if (this.alerts.len) {
      this.stderr.write(Buffer.from(this.alerts.buf.subarray(0, this.alerts.len)));
      this.alerts.clear();
    }
    this.status.flush();
    if (!this.stopped && ((this.o.block && this.pending()) || (this.spool && this.logdirsPending()))) this.input.pause();
  }

  private logdirsPending(): boolean {
    for (const ld of this.logdirs) if (ld.pending()) return true;
    return false;
  }

  private pending(): boolean {
    if (this.stdout?.pending()) return true;
    for (const ld of this.logdirs) if (ld.pending()) return true;
    return false;
  }

  /** Writes every logdir's queue, then rotates those that are due. A rotation is slow
   * (fsync, renames, a processor): it only starts when no line read from stdin is held in
   * memory, so that a SIGKILL during it cannot lose one. A half-read line is completed first
   * from what the pipe already holds, byte by byte; if the writer has not written the rest
   * yet, the rotation waits for the next batch. */
  private writeAndRotate(): void {
    const spool = this.spool;
    if (spool && this.logdirsPending()) {
      spool.intent(this.logdirs.map((ld) => ld.witness()));
      holdBefore('SpoolWrite');
    }
    for (const ld of this.logdirs) ld.flush();
    if (spool && !this.logdirsPending()) {
      holdBefore('SpoolCommit');
      spool.written(spool.fed - this.engine.pendingLine);
    }
    if (!this.logdirs.some((ld) => ld.rotationDue())) return;
    spool?.commit();
    // with a spool, a half-read line is in the spool, past what is acknowledged: a kill
    // during the rotation cannot lose it
    if (this.engine.pendingLine && !this.stopped && this.input.isStream && !spool) {
      if (!this.completeLine()) return;
      for (const ld of this.logdirs) ld.flush();
    }
    for (const ld of this.logdirs) ld.startRotation();
  }

  /** Reads the rest of a half-read line one byte at a time, without waiting. */
  private completeLine(): boolean {
    const one = this.oneByte;
    for (;;) {
      let n: number;
      try {
        n = readSync(0, one, 0, 1, null);
      } catch {
        return false; // EAGAIN: the rest is not written yet (an error shows at the next read)
      }
      if (n === 0) return false;
      this.engine.feed(one, 0, 1);
      if (!this.engine.pendingLine) return true;
    }
  }

  private readonly oneByte = Buffer.alloc(1);

  /** Stops at once, as a SIGKILL would stop a logger process: nothing more is read or
   * written, and every logdir is left as a killed logger leaves it (not marked clean, so the
   * next start archives `current` as `.u`). A line read but not yet complete is lost, as it
   * would be with s6-log. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.stopped = true;
    if (this.lastLineTimer) clearTimeout(this.lastLineTimer);
    if (this.finalizeTimer) clearTimeout(this.finalizeTimer);
    this.input.close();
    this.stdout?.close();
    this.spool?.abandon();
    for (const ld of this.logdirs) ld.abandon();
    this.resolve(-1);
  }

  /** SIGSTOP / SIGCONT for a hosted logger: stop reading, then go on. */
  hold(on: boolean): void {
    if (this.stopped) return;
    this.held = on;
    if (on) this.input.pause();
    else if (!this.pending()) this.input.resume();
  }

  private held = false;

  /** Something finished outside a batch (a processor, a retry, stdout drained). */
  progress(): void {
    this.writeAndRotate();
    this.stdout?.flush();
    if (this.stopped) this.tryFinish();
    else if (this.input.isPaused && !this.pending() && !this.held) this.input.resume();
  }

  private stdoutFailed(e: unknown): void {
    this.warn(`unable to write to stdout, closing the stream - error was: ${errText(e)}`);
    this.engine.dropStdout();
    if (!this.io.hosted) try {
      const fd = openSync('/dev/null', 'w');
      dup2(fd, 1);
      closeSync(fd);
    } catch { /* fd 1 stays closed */ }
    this.progress();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.lastLineTimer) clearTimeout(this.lastLineTimer);
    this.input.close();
    for (const ld of this.logdirs) ld.stopping();
    this.tryFinish();
  }

  /** Once everything is written: mark every logdir cleanly closed, then exit 0. */
  private tryFinish(): void {
    if (this.done || this.finalizeTimer) return;
    this.writeAndRotate();
    this.stdout?.flush();
    if (this.stdout?.pending()) return;
    for (const ld of this.logdirs) if (ld.busy()) return;
    let retry = 0;
    for (const ld of this.logdirs) {
      if (!ld.finalize()) retry = retry ? Math.min(retry, ld.retryMs) : Math.max(ld.retryMs, 1);
    }
    if (retry) {
      this.finalizeTimer = setTimeout(() => {
        this.finalizeTimer = null;
        this.tryFinish();
      }, retry);
      return;
    }
    this.done = true;
    this.spool?.close();
    for (const ld of this.logdirs) ld.close();
    if (this.io.hosted) this.stdout?.close();
    this.stderr.flush();
    this.resolve(0);
  }
}
