// One logdir: lock, crash recovery, buffered appends to `current`, rotation into archives
// through an optional processor, and the final "cleanly closed" mark (u+x on `current`).
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync, closeSync, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync,
  constants as C,
} from 'node:fs';
import { constants as OS } from 'node:os';
import { strerror } from '../native/index.js';
import { errText, Fatal } from '../s6/diag.js';
import { tryLockFile } from '../s6/lockfile.js';
import { Archives, type Warn } from './archive.js';
import type { LineSink } from './engine.js';
import { OutBuf } from './outbuf.js';
import type { LogdirSpec } from './script.js';

/** Rotation steps, in order, as s6-log's rotator runs them; a failed step is retried after
 * the `r` cooldown from where it failed. */
const enum Rot {
  Writable, Start, Rename, NewCurrent, ChmodPrevious, FinishPrevious,
  RunProcessor, WaitProcessor, SyncProcessed, SyncNewstate, UnlinkPrevious, RenameState, FinishProcessed,
}

const ROT_NAMES = [
  'Writable', 'Start', 'Rename', 'NewCurrent', 'ChmodPrevious', 'FinishPrevious',
  'RunProcessor', 'WaitProcessor', 'SyncProcessed', 'SyncNewstate', 'UnlinkPrevious', 'RenameState', 'FinishProcessed',
];

/** Test-only: HEXAD_LOG_TEST_HOLD=STEP freezes the logger (for good) when a rotation is
 * about to run STEP, after saying so on stderr, so that a test can SIGKILL it right there. */
let holdAt = process.env.HEXAD_LOG_TEST_HOLD ?? '';
const TRACE = !!process.env.HEXAD_LOG_TEST_TRACE;
/** Test-only: HEXAD_LOG_TEST_TRACE=1 says on stderr what the logdir does. */
export function trace(m: string): void {
  if (TRACE) writeSync(2, `hexad log: test: ${process.pid} ${m}\n`);
}

function maybeHold(step: Rot): void {
  holdBefore(ROT_NAMES[step]);
}

/** The test-only hold (HEXAD_LOG_TEST_HOLD) at a named step, rotation's or the spool's. */
export function holdBefore(step: string): void {
  if (!holdAt || step !== holdAt) return;
  holdAt = '';
  writeSync(2, `hexad log: test: held before ${step}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

interface Segment {
  buf: Buffer;
  off: number;
  len: number;
}

const SEAL_SIZE = 1 << 20;

/** The logdir locks this process holds (dev:ino of each `lock` file). */
const heldHere = new Set<string>();

function lockIdentity(fd: number): string {
  const st = fstatSync(fd);
  return `${st.dev}:${st.ino}`;
}

export interface LogdirHooks {
  warn: Warn;
  /** Called when work finished outside a flush() call (a processor exited, a retry ran). */
  progress(): void;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

export class Logdir implements LineSink {
  readonly dir: string;
  /** bytes in `current` */
  private b = 0;
  /** a write took `current` to the rotation threshold (s6-log: b + tolerance >= s, checked
   * after each write of whole lines) */
  private due = false;
  /** SIGALRM asked for a rotation of a non-empty `current` */
  private alarm = false;
  /** counters for a metrics reader */
  bytesWritten = 0;
  linesQueued = 0;
  rotations = 0;
  private fd = -1;
  private lockFd = -1;
  private lockId = '';
  /** inode of `current` */
  private ino = 0;
  private rstate = Rot.Writable;
  private readonly sealed: Segment[] = [];
  private open = new OutBuf(1 << 16);
  private openOff = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly archives: Archives;
  /** the logger is stopping: a failing processor is not retried */
  private exiting = false;
  /** a processor failed while stopping: `previous` stays for the next start to recover */
  private abandoned = false;
  private finalized = false;

  constructor(readonly spec: LogdirSpec, private readonly mask: number, private readonly hooks: LogdirHooks) {
    this.dir = spec.dir;
    this.archives = new Archives(spec.dir);
  }

  private path(name: string): string {
    return `${this.dir}/${name}`;
  }

  private doFinish(name: string, suffix: 's' | 'u'): void {
    this.archives.finish(name, suffix, this.spec.count, this.spec.maxTotal, this.hooks.warn);
  }

  /** Creates and locks the logdir and recovers what a crash left (s6-log's logdir_init). */
  init(): void {
    this.lock();
    this.recover();
  }

  /** Creates the logdir and takes its lock. */
  lock(): void {
    const fatal = (what: string, e: unknown): Fatal => new Fatal(111, `unable to ${what}: ${errText(e)}`);
    try {
      mkdirSync(this.dir, 0o2700);
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw fatal(`mkdir ${this.dir}`, e);
    }
    const lockPath = this.path('lock');
    // fcntl locks belong to the process, so a second logger hosted in the same process would
    // get the lock too, and closing its descriptor would drop the first one's: checked first
    let known = '';
    try {
      const st = statSync(lockPath);
      known = `${st.dev}:${st.ino}`;
    } catch { /* not there yet */ }
    if (known && heldHere.has(known)) throw new Fatal(111, `unable to lock ${lockPath}: ${strerror(OS.errno.EBUSY)}`);
    let lockFd: number | null;
    try {
      lockFd = tryLockFile(lockPath, 0o666);
    } catch (e) {
      throw fatal(`lock ${lockPath}`, e);
    }
    if (lockFd === null) throw new Fatal(111, `unable to lock ${lockPath}: ${strerror(OS.errno.EBUSY)}`);
    this.lockFd = lockFd;
    this.lockId = lockIdentity(lockFd);
    heldHere.add(this.lockId);
  }

  /** Recovers what a crash left, then opens `current` (the logdir is locked). */
  recover(): void {
    const fatal = (what: string, e: unknown): Fatal => new Fatal(111, `unable to ${what}: ${errText(e)}`);
    try {
      this.archives.load(this.hooks.warn);
    } catch (e) {
      throw fatal(`opendir ${this.dir}`, e);
    }
    let size = 0;
    let clean = false;
    try {
      const st = statSync(this.path('current'));
      clean = (st.mode & 0o100) !== 0;
      size = st.size;
    } catch (e) {
      if (errno(e) !== 'ENOENT') throw fatal(`stat ${this.path('current')}`, e);
    }
    if (TRACE) {
      const m = (n: string): string => { try { const st = statSync(this.path(n)); return `${st.size}/${(st.mode & 0o777).toString(8)}`; } catch { return '-'; } };
      trace(`recover clean=${clean} current=${m('current')} previous=${m('previous')} processed=${m('processed')}`);
    }
    if (!clean) {
      size = 0;
      this.unlinkQuiet('state');
      this.unlinkQuiet('newstate');
      let processedDone = false;
      try {
        processedDone = (statSync(this.path('processed')).mode & 0o100) !== 0;
      } catch (e) {
        if (errno(e) !== 'ENOENT') throw fatal(`stat ${this.path('processed')}`, e);
      }
      if (processedDone) {
        this.unlinkQuiet('previous');
        try {
          this.doFinish('processed', 's');
        } catch (e) {
          throw fatal(`finish processed .s for logdir ${this.dir}`, e);
        }
      } else {
        this.unlinkQuiet('processed');
        try {
          this.doFinish('previous', 'u');
        } catch (e) {
          throw fatal(`finish previous .u for logdir ${this.dir}`, e);
        }
      }
      try {
        this.doFinish('current', 'u');
      } catch (e) {
        throw fatal(`finish current .u for logdir ${this.dir}`, e);
      }
      try {
        closeSync(openSync(this.path('state'), C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o666));
      } catch (e) {
        throw fatal(`open_trunc ${this.path('state')}`, e);
      }
    }
    try {
      this.fd = openSync(this.path('current'), C.O_WRONLY | C.O_APPEND | C.O_CREAT, 0o666);
    } catch (e) {
      throw fatal(`open_append ${this.path('current')}`, e);
    }
    try {
      fchmodSync(this.fd, this.mask);
    } catch (e) {
      throw fatal(`fd_chmod ${this.path('current')}`, e);
    }
    this.ino = fstatSync(this.fd).ino;
    this.b = size;
    // s6-log rotates a `current` already over s before writing to it: here, before reading
    // anything, so that no line waits in memory meanwhile
    if (this.b >= this.spec.size) {
      this.rotations++;
      this.rstate = Rot.Start;
      this.rotate();
    }
  }

  private unlinkQuiet(name: string): void {
    try {
      unlinkSync(this.path(name));
    } catch { /* as unlink_void */ }
  }

  // ---- input side ----

  line(header: Buffer | null, src: Uint8Array, s: number, e: number): void {
    this.open.line(header, src, s, e);
    this.linesQueued++;
    if (this.open.len >= SEAL_SIZE) this.seal();
  }

  private seal(): void {
    const len = this.open.len;
    if (len > this.openOff) {
      const off = this.openOff;
      const buf = this.open.take();
      this.sealed.push({ buf, off, len: buf.length });
    } else this.open.clear();
    this.openOff = 0;
  }

  /** SIGALRM: rotate `current` once what is queued is written, if it is not empty. */
  rotateNow(): void {
    this.alarm = true;
    this.flush();
  }

  /** A rotation should start now: everything queued is written and `current` is due. */
  rotationDue(): boolean {
    if (this.abandoned || this.retryTimer || this.rstate !== Rot.Writable || this.pending()) return false;
    if (this.alarm && this.b === 0) this.alarm = false;
    return this.due || this.alarm;
  }

  /** Starts the rotation (rotationDue() was true); it runs as far as it can now. */
  startRotation(): void {
    if (!this.rotationDue()) return;
    this.due = false;
    this.alarm = false;
    this.rotations++;
    this.rstate = Rot.Start;
    this.rotate();
  }

  // ---- output side ----

  /** `current` as it is now, for the spool's intent (see spool.ts). */
  witness(): { path: string; ino: number; size: number } {
    return { path: this.path('current'), ino: this.ino, size: this.b };
  }

  /** Data not yet written to `current`. */
  pending(): boolean {
    return this.sealed.length > 0 || this.open.len > this.openOff;
  }

  /** Anything left to do before the logdir can be closed. */
  busy(): boolean {
    return this.pending() || this.retryTimer !== null || (this.rstate !== Rot.Writable && !this.abandoned);
  }

  private canWrite(): boolean {
    return this.retryTimer === null && (this.rstate === Rot.Writable || this.rstate >= Rot.ChmodPrevious);
  }

  /** Writes what is queued (whole lines only); rotations are started by the logger, see
   * rotationDue(), so that no line read from the pipe waits in memory across a rotation. */
  flush(): void {
    while (this.sealed.length) {
      const seg = this.sealed[0];
      if (!this.canWrite() || !this.write(seg)) return;
      this.sealed.shift();
    }
    if (this.open.len > this.openOff) {
      if (!this.canWrite()) return;
      const seg: Segment = { buf: this.open.buf, off: this.openOff, len: this.open.len };
      const done = this.write(seg);
      this.openOff = seg.off;
      if (!done) return;
    }
    this.open.clear();
    this.openOff = 0;
  }

  /** Writes a segment; false (after a warning and a scheduled retry) when it fails. */
  private write(seg: Segment): boolean {
    try {
      while (seg.off < seg.len) {
        const n = writeSync(this.fd, seg.buf, seg.off, seg.len - seg.off);
        seg.off += n;
        this.b += n;
        this.bytesWritten += n;
      }
      if (this.b + this.spec.tolerance >= this.spec.size) this.due = true;
      return true;
    } catch (e) {
      this.hooks.warn(`unable to write to ${this.path('current')}: ${errText(e)}`);
      this.retryLater();
      return false;
    }
  }

  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.rstate !== Rot.Writable && this.rstate !== Rot.WaitProcessor) this.rotate();
      this.flush();
      this.hooks.progress();
    }, this.spec.retryMs);
  }

  /** Runs rotation steps from the current one; false when it has to wait (processor, retry). */
  private rotate(): boolean {
    const fail = (what: string, e: unknown): boolean => {
      this.hooks.warn(`unable to ${what}: ${errText(e)}`);
      this.retryLater();
      return false;
    };
    for (;;) {
      maybeHold(this.rstate);
      if (TRACE && this.rstate !== Rot.Writable && this.rstate !== Rot.WaitProcessor) trace(`${ROT_NAMES[this.rstate]} b=${this.b}`);
      switch (this.rstate) {
        case Rot.Writable:
          return true;
        case Rot.Start:
          try {
            fsyncSync(this.fd);
          } catch (e) {
            return fail(`fd_sync ${this.path('current')}`, e);
          }
          this.rstate = Rot.Rename;
          break;
        case Rot.Rename:
          try {
            renameSync(this.path('current'), this.path('previous'));
          } catch (e) {
            return fail(`rename ${this.path('current')} to ${this.path('previous')}`, e);
          }
          this.rstate = Rot.NewCurrent;
          break;
        case Rot.NewCurrent: {
          let fd: number;
          try {
            fd = openSync(this.path('current'), C.O_WRONLY | C.O_APPEND | C.O_CREAT, 0o666);
          } catch (e) {
            return fail(`open_append ${this.path('current')}`, e);
          }
          closeSync(this.fd);
          this.fd = fd;
          this.ino = fstatSync(fd).ino;
          this.b = 0;
          this.due = false;
          this.rstate = Rot.ChmodPrevious;
          break;
        }
        case Rot.ChmodPrevious:
          try {
            chmodSync(this.path('previous'), this.mask | 0o100);
          } catch (e) {
            return fail(`chmod ${this.path('previous')}`, e);
          }
          this.rstate = this.spec.processor ? Rot.RunProcessor : Rot.FinishPrevious;
          break;
        case Rot.FinishPrevious:
          try {
            this.doFinish('previous', 's');
          } catch (e) {
            return fail(`finish previous .s to logdir ${this.dir}`, e);
          }
          this.rstate = Rot.Writable;
          return true;
        case Rot.RunProcessor:
          if (!this.runProcessor()) {
            this.hooks.warn(`processor failed in ${this.dir}`);
            this.processorFailed();
            return false;
          }
          this.rstate = Rot.WaitProcessor;
          maybeHold(Rot.WaitProcessor);
          return false;
        case Rot.WaitProcessor:
          return false;
        case Rot.SyncProcessed: {
          const p = this.path('processed');
          try {
            const fd = openSync(p, C.O_WRONLY | C.O_APPEND);
            try {
              fsyncSync(fd);
              fchmodSync(fd, this.mask | 0o100);
            } finally {
              closeSync(fd);
            }
          } catch (e) {
            return fail(`sync ${p}`, e);
          }
          this.rstate = Rot.SyncNewstate;
          break;
        }
        case Rot.SyncNewstate: {
          const p = this.path('newstate');
          try {
            const fd = openSync(p, C.O_WRONLY | C.O_APPEND);
            try {
              fsyncSync(fd);
            } finally {
              closeSync(fd);
            }
          } catch (e) {
            return fail(`fd_sync ${p}`, e);
          }
          this.rstate = Rot.UnlinkPrevious;
          break;
        }
        case Rot.UnlinkPrevious:
          try {
            unlinkSync(this.path('previous'));
          } catch (e) {
            if (errno(e) !== 'ENOENT') return fail(`unlink ${this.path('previous')}`, e);
          }
          this.rstate = Rot.RenameState;
          break;
        case Rot.RenameState:
          try {
            renameSync(this.path('newstate'), this.path('state'));
          } catch (e) {
            return fail(`rename ${this.path('newstate')} to ${this.path('state')}`, e);
          }
          this.rstate = Rot.FinishProcessed;
          break;
        case Rot.FinishProcessed:
          try {
            this.doFinish('processed', 's');
          } catch (e) {
            return fail(`finish processed .s to logdir ${this.dir}`, e);
          }
          this.rstate = Rot.Writable;
          return true;
      }
    }
  }

  /** Starts the processor: fd 0 `previous`, 1 `processed`, 4 `state`, 5 `newstate`, in the
   * logdir. (s6 2.11 loses fd 5 in the child; here it is there.) */
  private runProcessor(): boolean {
    const proc = this.spec.processor!;
    const fds: number[] = [];
    const openIn = (name: string, flags: number, what: string): number => {
      try {
        const fd = openSync(this.path(name), flags, 0o666);
        fds.push(fd);
        return fd;
      } catch (e) {
        throw new Error(`unable to ${what} ${this.path(name)}: ${errText(e)}`);
      }
    };
    const trunc = C.O_WRONLY | C.O_CREAT | C.O_TRUNC;
    let child: ChildProcess;
    try {
      const prev = openIn('previous', C.O_RDONLY, 'open_readb');
      const processed = openIn('processed', trunc, 'open_trunc');
      const state = openIn('state', C.O_RDONLY, 'open_readb');
      const newstate = openIn('newstate', trunc, 'open_trunc');
      const [file, args] = proc.shell === 'sh' ? ['/bin/sh', ['-c', proc.cmd]] : ['execlineb', ['-Pc', proc.cmd]];
      child = spawn(file, args, { cwd: this.dir, stdio: [prev, processed, 'inherit', 'ignore', state, newstate] });
    } catch (e) {
      this.hooks.warn(e instanceof Error ? e.message : String(e));
      return false;
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    let done = false;
    const end = (ok: boolean, crashed: boolean): void => {
      if (done) return;
      done = true;
      if (this.fd < 0) return; // abandoned meanwhile: the next logger recovers the logdir
      if (ok) {
        this.rstate = Rot.SyncProcessed;
        this.rotate();
      } else {
        this.hooks.warn(`processor ${crashed ? 'crashed' : 'failed'} in ${this.dir}`);
        this.processorFailed();
      }
      this.flush();
      this.hooks.progress();
    };
    child.once('error', (e) => {
      this.hooks.warn(`unable to spawn processor for ${this.dir}: ${errText(e)}`);
      end(false, false);
    });
    child.once('exit', (code, sig) => end(code === 0, sig !== null));
    return true;
  }

  private processorFailed(): void {
    this.rstate = Rot.RunProcessor;
    if (this.exiting) {
      // Stopping: leave `previous` (and `current` not marked clean) for the next start,
      // which archives both as .u, rather than retrying forever.
      this.abandoned = true;
      this.rstate = Rot.Writable;
      this.hooks.warn(`giving up processing in ${this.dir}: previous is kept for recovery`);
      return;
    }
    this.retryLater();
  }

  /** The logger stops: do not start retrying a failing processor any more. */
  stopping(): void {
    this.exiting = true;
    if (this.rstate === Rot.RunProcessor && this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.processorFailed();
    }
  }

  /** Marks `current` as cleanly closed (fsync, then u+x). False when it must be retried. */
  finalize(): boolean {
    if (this.finalized) return true;
    try {
      fsyncSync(this.fd);
    } catch (e) {
      this.hooks.warn(`unable to fd_sync ${this.path('current')}: ${errText(e)}`);
      return false;
    }
    if (!this.abandoned) {
      try {
        fchmodSync(this.fd, this.mask | 0o100);
      } catch (e) {
        this.hooks.warn(`unable to fd_chmod ${this.path('current')}: ${errText(e)}`);
        return false;
      }
    }
    this.finalized = true;
    return true;
  }

  /** Lets go of `current` and the lock (after finalize(), or without it for abandon()). */
  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const fd of [this.fd, this.lockFd]) {
      if (fd < 0) continue;
      try {
        closeSync(fd);
      } catch { /* already closed */ }
    }
    this.fd = this.lockFd = -1;
    heldHere.delete(this.lockId);
  }

  /** Stops as a killed logger stops: what is queued is dropped, `current` is not marked
   * clean, a running processor is left to finish on its own. */
  abandon(): void {
    this.sealed.length = 0;
    this.open.clear();
    this.openOff = 0;
    this.exiting = true;
    this.abandoned = true;
    this.close();
  }

  get retryMs(): number {
    return this.spec.retryMs;
  }
}
