// Typed access to src/native/hexad.cc, the only native code in hexad.
import { closeSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export type LockType = 'r' | 'w' | 'u';
export type SocketFamily = 'ipv4' | 'ipv6' | 'unix';

interface Addon {
  lock(fd: number, type: LockType, wait: boolean): boolean;
  lockHolder(fd: number, type: LockType): number;
  mkfifo(path: string, mode: number): void;
  pipe(cloexec: boolean): [number, number];
  setCloexec(fd: number, on: boolean): void;
  setNonblock(fd: number, on: boolean): void;
  dup2(from: number, to: number): number;
  dup(fd: number, minFd: number, cloexec: boolean): number;
  listen(family: SocketFamily, address: string, port: number, backlog: number, reuseAddr: boolean): number;
  localPort(fd: number): number;
  connectUnix(path: string): number;
  bindDgram(path: string): number;
  sendFds(sock: number, data: Buffer, fds: number[]): number;
  recvFds(sock: number, maxBytes: number): { data: Buffer; fds: number[] } | null;
  waitpid(pid: number, noHang: boolean): [number, number] | null;
  execve(path: string, argv: string[], env: string[]): never;
  claim(pid: number, on: boolean): void;
  reapBatch(orphan: number): { reaped: number[]; blocked: number };
  setSubreaper(on: boolean): void;
  isSubreaper(): boolean;
  sync(): void;
  realtime(): [number, number];
  trimCode(): number;
  spawnMany(requests: SpawnRequest[], env: string[]): number[];
  spawn(path: string, argv: string[], env: string[], cwd: string | null, fds: number[], setsid: boolean): number;
  strerror(errno: number): string;
  splice(fdIn: number, fdOut: number, offOut: number, len: number): number;
  watchReadable(fd: number, cb: (status: number, events: number) => void): number;
  unwatch(id: number, pause: boolean): void;
  rewatch(id: number): void;
  pidfdOpen(pid: number): number;
  pollReadable(fds: number[], timeoutMs: number): number[];
}

// <package>/src/native: a prebuilt binary in prebuilds/<platform>-<arch>/ (shipped in the npm
// package) or one built from source in build/Release, as node-gyp-build finds them.
// Resolved from dist/src/native/index.js, or from a command bundle (whose import.meta.url is
// made to look like a file of dist/src/cli/, see scripts/bundle.mjs).
export const ADDON_DIR = fileURLToPath(new URL('../../../src/native/', import.meta.url));

let loaded: Addon | undefined;

/** Loaded on first use, so that commands which need no system call (--version, --help) run
 * where no binary can be loaded. */
function load(): Addon {
  if (loaded) return loaded;
  try {
    // the usual case first, without node-gyp-build's directory walk: a binary built here
    const built = ADDON_DIR + 'build/Release/hexad.node';
    if (existsSync(built)) {
      const m = { exports: {} as Addon };
      process.dlopen(m, built);
      loaded = m.exports;
    } else {
      // a prebuilt binary (prebuilds/<platform>-<arch>/): node-gyp-build picks the one that fits
      const nodeGypBuild = createRequire(import.meta.url)('node-gyp-build') as (dir: string) => unknown;
      loaded = nodeGypBuild(ADDON_DIR) as Addon;
    }
  } catch (e) {
    throw addonError(e);
  }
  return loaded;
}

/** One line saying what is missing and what to do (the code lets report() print it as is). */
function addonError(e: unknown): Error {
  const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return Object.assign(new Error(`unable to load hexad's native addon for Node ${process.version} ${process.platform}-${process.arch} from ${ADDON_DIR}: ${why.replace(/^No native build was found for .*/, 'no prebuilt binary matches and none was built')}; rebuild it with \`npm rebuild hexad\` (pnpm: \`pnpm approve-builds\`, then \`pnpm rebuild hexad\`), which needs a C++ compiler`), { code: 'HEXAD_NO_ADDON' });
}


/** Error thrown by the addon: `code` is the errno name (ENXIO, EAGAIN, …). */
export interface SyscallError extends Error { code: string; errno: number; syscall: string }

/** POSIX record lock on the whole file (fcntl, as s6 and s6-rc use; never flock).
 * Returns false when another process holds a conflicting lock and `wait` is false. */
export const lock = (fd: number, type: 'r' | 'w', wait = false): boolean => load().lock(fd, type, wait);
export const unlock = (fd: number): void => { load().lock(fd, 'u', false); };
/** Pid of another process holding a lock that conflicts with `type` ('r' asks "any write lock?"), or 0. */
export const lockHolder = (fd: number, type: 'r' | 'w' = 'r'): number => load().lockHolder(fd, type);
export const mkfifo = (path: string, mode: number): void => load().mkfifo(path, mode);
/** A real pipe(2): [read end, write end]. */
export const pipe = (cloexec = true): [number, number] => load().pipe(cloexec);
export const setCloexec = (fd: number, on: boolean): void => load().setCloexec(fd, on);
export const setNonblock = (fd: number, on: boolean): void => load().setNonblock(fd, on);
export const dup2 = (from: number, to: number): number => load().dup2(from, to);
export const dup = (fd: number, minFd = 0, cloexec = true): number => load().dup(fd, minFd, cloexec);
/** bind + listen without accepting; the fd is close-on-exec until handed to a child. */
export const listen = (family: SocketFamily, address: string, port: number, backlog: number, reuseAddr = true): number =>
  load().listen(family, address, port, backlog, reuseAddr);
export const localPort = (fd: number): number => load().localPort(fd);
/** A bound, non-blocking UNIX datagram socket ('@name': abstract). */
export const bindDgram = (path: string): number => load().bindDgram(path);
export const connectUnix = (path: string): number => load().connectUnix(path);
export const sendFds = (sock: number, data: Buffer, fds: number[]): number => load().sendFds(sock, data, fds);
export const recvFds = (sock: number, maxBytes: number): { data: Buffer; fds: number[] } | null => load().recvFds(sock, maxBytes);
/** waitpid for processes libuv does not know (children adopted across a re-exec). */
export const waitpid = (pid: number, noHang: boolean): [number, number] | null => load().waitpid(pid, noHang);
/** Marks `pid` as the reaper's own (or not): reapBatch reaps claimed pids only. */
export const claim = (pid: number, on = true): void => load().claim(pid, on);
/** Reaps, in one call, every exited child that is claimed (and `orphan`, if exited), stopping
 * at the first other exited child, returned as `blocked` (see src/supervise/reaper.ts).
 * `reaped` is flat: pid, raw status, pid, raw status… */
export const reapBatch = (orphan = 0): { reaped: number[]; blocked: number } => load().reapBatch(orphan);
/** prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are reparented to us, not to PID 1. */
export const setSubreaper = (on = true): void => load().setSubreaper(on);
/** sync(2): flush every filesystem's dirty data. */
export const syncDisks = (): void => load().sync();
export const isSubreaper = (): boolean => load().isSubreaper();
export const execve = (path: string, argv: string[], env: string[]): never => load().execve(path, argv, env);

/** posix_spawn: `fds[i]` becomes the child's fd i (-1 closes it); cwd null keeps ours; setsid
 * gives it a new session. The child is not libuv's: reap it with waitpid (see
 * src/supervise/reaper.ts). Throws ENOENT, EACCES… when the exec fails. */
export const spawnProcess = (path: string, argv: string[], env: string[], cwd: string | null, fds: number[], setsid: boolean): number =>
  load().spawn(path, argv, env, cwd, fds, setsid);

/** [path, argv, cwd | null, fds, setsid], as spawnProcess takes them. */
export type SpawnRequest = [path: string, argv: string[], cwd: string | null, fds: number[], setsid: boolean];

/** Several spawnProcess at once, from a few threads; one pid or -errno per request. */
export const spawnMany = (requests: SpawnRequest[], env: string[]): number[] => load().spawnMany(requests, env);

/** Releases the resident pages of file-backed code (they come back from the page cache when
 * they run again): a long-running process stops paying for the code only start-up used. */
export const trimCode = (): number => load().trimCode();

/** splice(2) from a pipe into a file at `offOut`, without waiting: bytes moved, 0 at end of
 * input, -EAGAIN (-11) when the pipe is empty. */
export const splice = (fdIn: number, fdOut: number, offOut: number, len: number): number => load().splice(fdIn, fdOut, offOut, len);
/** Calls `cb` on each event-loop turn that `fd` is readable (status < 0: a poll error); reads
 * nothing. Returns the watch's id for unwatch/rewatch. The descriptor must stay open until
 * unwatch(id, false). */
export const watchReadable = (fd: number, cb: (status: number, events: number) => void): number => load().watchReadable(fd, cb);
/** Stops a watch: for good, or paused (`pause`) until rewatch(id). */
export const unwatch = (id: number, pause = false): void => load().unwatch(id, pause);
export const rewatch = (id: number): void => load().rewatch(id);

/** CLOCK_REALTIME as [seconds, nanoseconds]. */
export const realtime = (): [number, number] => load().realtime();
/** strerror(3) text for an errno (positive, or libuv's negative form). */
export const strerror = (errno: number): string => load().strerror(Math.abs(errno));

export function isSyscallError(e: unknown, code?: string): e is SyscallError {
  return e instanceof Error && typeof (e as SyscallError).code === 'string' && (code === undefined || (e as SyscallError).code === code);
}

/** pidfd_open(2): a descriptor (close-on-exec) that becomes readable when process `pid` exits;
 * throws (code ENOSYS on kernels before 5.3, ESRCH when no such process). */
export const pidfdOpen = (pid: number): number => load().pidfdOpen(pid);

/** Watches `fd` in the event loop and calls `onReadable` once when it becomes readable. The
 * watch owns `fd` from then on: the returned stop() ends the watch and closes it (later calls
 * do nothing). When watching fails, this throws and `fd` is still the caller's. */
export function watchOnce(fd: number, onReadable: (status: number) => void): () => void {
  let id = 0;
  const stop = (): void => {
    if (!id) return;
    unwatch(id, false);
    id = 0;
    try {
      closeSync(fd);
    } catch { /* closed */ }
  };
  id = watchReadable(fd, (status) => {
    if (!id) return;
    stop();
    // an exception must not stay pending inside the addon's libuv callback: rethrown as uncaught
    try {
      onReadable(status);
    } catch (e) {
      process.nextTick(() => { throw e; });
    }
  });
  return stop;
}

/** Blocks in poll(2) until one of `fds` is readable, at most `timeoutMs` (-1: no limit); the
 * ready fds, [] at the timeout. Only for one-shot commands (it stops the event loop). */
export const pollReadable = (fds: number[], timeoutMs: number): number[] => load().pollReadable(fds, timeoutMs);
