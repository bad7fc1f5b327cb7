// Readiness through notification-fd, kept on disk. s6-supervise hands the service the write end
// of a pipe; s6-supervise outlives s6-svscan, so the pipe's reader does too. hexad's supervisors
// live in the scanner, and a pipe dies with its last reader: a newline written just before a
// kill -9 of the scanner would be lost (the service shown "up, not ready" forever), and one
// written after it would kill the service with SIGPIPE. So the descriptor the service gets is
// supervise/hexad-ready, opened for appending and emptied at each spawn; the supervisor watches
// it (inotify), and a supervisor that adopts a service reads it.
//
// Kill -9 between the steps: the file is emptied before the spawn, so a newline in it always
// belongs to the run that the status names (or to an unrecorded spawn, see spawn-intent.ts);
// a newline written while no scanner runs is found by the next one at adoption.
import { closeSync, openSync, readSync, fstatSync, watch, constants as C, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

const FILE = 'hexad-ready';
/** how often the file is read where no inotify watch can be had */
const POLL_MS = 100;

const path = (dir: string): string => join(dir, 'supervise', FILE);

/** The descriptor to hand to the service as its notification-fd (close ours after the spawn). */
export function openReadinessFile(dir: string): number {
  return openSync(path(dir), C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_APPEND, 0o644);
}

/** The time (unix ms) the service reported readiness, when the file holds a newline written at
 * or after `notBeforeMs`; else null. */
export function readinessReported(dir: string, notBeforeMs = 0): number | null {
  let fd: number;
  try {
    fd = openSync(path(dir), C.O_RDONLY);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (st.mtimeMs < notBeforeMs) return null;
    return hasNewline(fd, 0).found ? st.mtimeMs : null;
  } finally {
    closeSync(fd);
  }
}

function hasNewline(fd: number, from: number): { found: boolean; end: number } {
  const buf = Buffer.allocUnsafe(4096);
  let pos = from;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) return { found: false, end: pos };
    if (buf.subarray(0, n).includes(10)) return { found: true, end: pos + n };
    pos += n;
  }
}

/** Calls `onReady` once (never synchronously), when a newline lands in the file. Returns
 * stop() (idempotent). */
export function watchReadinessFile(dir: string, onReady: () => void): () => void {
  let fd = -1;
  let watcher: FSWatcher | null = null;
  let poll: NodeJS.Timeout | null = null;
  let offset = 0;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    watcher?.close();
    watcher = null;
    if (poll) clearInterval(poll);
    poll = null;
    if (fd >= 0) closeSync(fd);
    fd = -1;
  };
  const look = (): void => {
    if (stopped) return;
    let r: { found: boolean; end: number };
    try {
      r = hasNewline(fd, offset);
    } catch {
      return;
    }
    offset = r.end;
    if (r.found) {
      stop();
      onReady();
    }
  };
  try {
    fd = openSync(path(dir), C.O_RDONLY);
  } catch {
    stop();
    return stop;
  }
  try {
    watcher = watch(path(dir), { persistent: false }, look);
    watcher.on('error', () => { /* the file went away: the run it belonged to is over */ });
  } catch {
    // no inotify watch left (fs.inotify.max_user_watches): look every POLL_MS instead
    poll = setInterval(look, POLL_MS);
    poll.unref();
  }
  // a newline written before the watch began (looked at later: never inside the caller's turn)
  setImmediate(look);
  return stop;
}
