// Linking service directories into a running scan directory and out of it, as s6's
// s6_supervise_link_names / s6_supervise_unlink_names do. Used by svlink, svunlink, the
// instance tools and rc-init.
import { closeSync, openSync, realpathSync, statSync, symlinkSync, unlinkSync, writeSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { Fatal, fatalSys } from '../s6/diag.js';
import { writeControl } from '../s6/control.js';
import { FifodirListener, makeFifodir, unlinkQuietly } from '../s6/fifodir.js';
import { isLocked } from '../s6/lockfile.js';
import { pollReadable } from '../native/index.js';

export interface LinkOptions {
  /** force the event/ directory mode (-f) */
  force?: boolean;
  /** public event/ directory (-P) */
  publicEvents?: boolean;
  /** create ./down before the supervisor starts (-d, -D) */
  down?: boolean;
  /** remove ./down once the supervisors run (-d) */
  removeDown?: boolean;
  /** keep relative link targets as given (instances link `../instances/NAME`) */
  relative?: boolean;
  /** the symlink targets, when they differ from `dirs` (paths as seen from the scan directory,
   * while `dirs` are the same directories as seen from the current directory) */
  targets?: string[];
  /** ms since the epoch; Infinity waits forever */
  deadline?: number;
  /** wait with a blocking poll(2), without `net` or the event loop: one-shot commands only */
  blocking?: boolean;
}

export class TimeoutError extends Error {
  constructor() {
    super('Connection timed out');
  }
}

const isSupervised = (dir: string): boolean => isLocked(join(dir, 'supervise', 'lock'));

function hasLogDir(dir: string): boolean {
  try {
    const st = statSync(join(dir, 'log'));
    if (!st.isDirectory()) throw Object.assign(new Error('Not a directory'), { code: 'ENOTDIR', errno: 20 });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Waits for one event byte on every listener, or throws TimeoutError at the deadline. */
export class EventWaiter {
  private readonly pending = new Set<FifodirListener>();
  private readonly listeners: FifodirListener[] = [];
  private wake: (() => void) | null = null;

  /** `blocking`: wait() blocks in poll(2) (a one-shot command: no `net` to load, ~3-4 ms). */
  constructor(private readonly byte: string, private readonly blocking = false) {}

  add(eventDir: string): void {
    const l: FifodirListener = new FifodirListener(eventDir, (bytes) => {
      if (!bytes.includes(this.byte) || !this.pending.delete(l)) return;
      if (!this.pending.size) this.wake?.();
    }, this.blocking);
    this.listeners.push(l);
    this.pending.add(l);
  }

  private waitBlocking(deadline: number): void {
    for (;;) {
      for (const l of this.pending) l.readNow();
      if (!this.pending.size) return;
      const left = deadline === Infinity ? -1 : Math.max(0, Math.ceil(deadline - Date.now()));
      if (left === 0) throw new TimeoutError();
      pollReadable([...this.pending].map((l) => l.fd), left === -1 ? -1 : Math.min(left, 2 ** 30));
    }
  }

  get count(): number {
    return this.listeners.length;
  }

  wait(deadline = Infinity): Promise<void> {
    if (this.blocking) {
      try {
        this.waitBlocking(deadline);
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (!this.pending.size) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = deadline === Infinity ? null : setTimeout(() => {
        this.wake = null;
        reject(new TimeoutError());
      }, Math.max(0, deadline - Date.now()));
      this.wake = () => {
        if (timer) clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  close(): void {
    for (const l of this.listeners) l.close();
  }
}

/** Links each service directory into `scandir` under its name, tells the scanner to rescan,
 * and waits for every new supervisor's `s` event. Undoes the links on failure. Returns the
 * number of supervisors waited for. Throws TimeoutError at the deadline, other errors as is. */
export async function linkNames(scandir: string, dirs: string[], names: string[], opts: LinkOptions = {}): Promise<number> {
  const locked: boolean[] = [];
  const logged: boolean[] = [];
  dirs.forEach((dir, i) => {
    locked[i] = isSupervised(dir);
    logged[i] = hasLogDir(dir);
    if (logged[i] && isSupervised(join(dir, 'log')) !== locked[i]) {
      throw Object.assign(new Error('Invalid argument'), { code: 'EINVAL', errno: 22 });
    }
  });
  const gid = opts.publicEvents ? -1 : process.getegid!();
  const waiter = new EventWaiter('s', opts.blocking);
  let linked = 0;
  let supervisorsMayRun = false;
  try {
    for (let i = 0; i < dirs.length; i++) {
      const dir = dirs[i];
      if (!locked[i]) {
        register(waiter, dir, gid, opts);
        if (logged[i]) register(waiter, join(dir, 'log'), gid, opts);
      }
      const given = opts.targets?.[i] ?? dir;
      const target = !opts.relative && !given.startsWith('/') ? realpathSync(dir) : given;
      try {
        symlinkSync(target, join(scandir, names[i]));
      } catch (e) {
        if (!locked[i] || (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      linked = i + 1;
    }
    const r = writeControl(scandir, '.s6-svscan', 'a');
    if (r.kind === 'not-listening') throw Object.assign(new Error('No such device or address'), { code: 'ENXIO', errno: 6 });
    if (r.kind === 'bad-dir') throw Object.assign(new Error('Not a directory'), { code: 'ENOTDIR', errno: 20 });
    if (r.kind === 'error') throw r.error;
    supervisorsMayRun = true;
    await waiter.wait(opts.deadline);
  } catch (e) {
    waiter.close();
    for (let i = 0; i < linked; i++) unlinkOne(scandir, names[i], { stop: supervisorsMayRun, stopService: supervisorsMayRun, removeDown: opts.down });
    throw e;
  }
  waiter.close();
  if (opts.removeDown) for (const name of names) unlinkQuietly(join(scandir, name, 'down'));
  return waiter.count;
}

function register(waiter: EventWaiter, dir: string, gid: number, opts: LinkOptions): void {
  if (opts.down) closeSync(openSync(join(dir, 'down'), C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o666));
  const eventDir = join(dir, 'event');
  makeFifodir(eventDir, gid, !!opts.force);
  waiter.add(eventDir);
}

/** s6_supervise_unlink: remove one link and tell its supervisors to exit (`x`, with `d`/`o`
 * to also stop the service and the logger). */
export function unlinkOne(scandir: string, name: string, opts: { stop?: boolean; stopService?: boolean; removeDown?: boolean }): void {
  const base = join(scandir, name);
  if (opts.removeDown) unlinkQuietly(join(base, 'down'));
  const open = (p: string): number => {
    try {
      return openSync(p, C.O_WRONLY | C.O_NONBLOCK);
    } catch {
      return -1;
    }
  };
  const fd = opts.stop ? open(join(base, 'supervise', 'control')) : -1;
  const fdlog = opts.stop ? open(join(base, 'log', 'supervise', 'control')) : -1;
  try {
    unlinkSync(base);
  } catch { /* already gone */ }
  for (const [f, bytes] of [[fd, opts.stopService ? 'xd' : 'x'], [fdlog, opts.stopService ? 'xo' : 'x']] as const) {
    if (f < 0) continue;
    try {
      writeSync(f, bytes);
    } catch { /* supervisor gone */ }
    closeSync(f);
  }
}

/** Unlinks names from `scandir`, sends `an` to the scanner, and (when `wait`) waits for each
 * supervisor's `x`. Returns the number waited for; a timeout is not an error here. */
export async function unlinkNames(scandir: string, names: string[], wait: boolean, deadline = Infinity, blocking = false): Promise<number> {
  const waiter = new EventWaiter('x', blocking);
  try {
    for (const name of names) {
      const dir = join(scandir, name);
      if (wait && isSupervised(dir)) {
        const logged = hasLogDir(dir);
        if (logged && !isSupervised(join(dir, 'log'))) throw Object.assign(new Error('Invalid argument'), { code: 'EINVAL', errno: 22 });
        try { waiter.add(join(dir, 'event')); } catch { /* nothing to wait for */ }
        if (logged) try { waiter.add(join(dir, 'log', 'event')); } catch { /* idem */ }
      }
    }
    for (const name of names) unlinkQuietly(join(scandir, name));
    writeControl(scandir, '.s6-svscan', 'an');
    if (wait) {
      try {
        await waiter.wait(deadline);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
    }
    return waiter.count;
  } finally {
    waiter.close();
  }
}

/** Whether a scanner holds `scandir`'s lock; Fatal(111) when the lock cannot be opened. */
export function scannerRunning(scandir: string): boolean {
  const lockPath = join(scandir, '.s6-svscan', 'lock');
  try {
    closeSync(openSync(lockPath, C.O_RDONLY));
    return isLocked(lockPath);
  } catch (e) {
    throw fatalSys(111, `open ${lockPath}`, e);
  }
}

/** svlink's check: the scanner's lock is held, else Fatal(1). */
export function checkScandir(scandir: string): void {
  if (!scannerRunning(scandir)) throw new Fatal(1, `s6-svscan not running on ${scandir}`);
}
