// The einhorn master inside a supervision tree (hexad or s6): s6 readiness once the workers are
// ACKed, and a small state file in the service's supervise directory that `hexad status` reads to
// list the workers under the service.
//
// Both are found from the master's working directory, which is the service directory when the
// supervisor started `run` there and `run` exec'd the master without changing directory:
// * readiness: `./notification-fd` names a descriptor that is open in the master;
// * workers: `./supervise/` exists; the master writes `supervise/hexad-einhorn.json` (temp name,
//   then rename) whenever its children table changes, and removes it when it exits. After a
//   kill -9 the file stays, but it names the dead master's pid: readers show it only when that pid
//   is the pid the supervisor reports for the service, so a stale file is never shown.
import { existsSync, closeSync, fstatSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as native from '../native/index.js';
import { writeAtomic } from '../s6/atomic.js';
import type { State } from './state.js';

export const WORKERS_FILE = 'hexad-einhorn.json';

export interface WorkerRow {
  pid: number;
  acked: boolean;
  version: number;
  index: number;
  /** told to stop (USR2, TERM, KILL…) and not gone yet */
  stopping: boolean;
  /** wall clock ms of its spawn */
  since: number;
}

export interface WorkersFile {
  master: number;
  version: number;
  number: number;
  workers: WorkerRow[];
}

/** The descriptor named by ./notification-fd, when that file exists and the descriptor is open. */
export function inheritedNotificationFd(dir = process.cwd()): number | null {
  let n: number;
  try {
    const text = readFileSync(join(dir, 'notification-fd'), 'utf8').trim();
    if (!/^\d+$/.test(text)) return null;
    n = Number(text);
  } catch {
    return null;
  }
  if (n < 3) return null;
  try {
    fstatSync(n);
  } catch {
    return null;
  }
  return n;
}

/** Writes s6's readiness line on `fd` and closes it. */
export function announceReady(fd: number): void {
  try {
    writeSync(fd, '\n');
  } catch {
    /* the supervisor is gone: nothing to tell */
  }
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

/** Keeps the notification fd out of the workers (libuv closes only close-on-exec descriptors). */
export function guardNotificationFd(fd: number): void {
  try {
    native.setCloexec(fd, true);
  } catch {
    /* closed meanwhile */
  }
}

export function workersFilePath(dir = process.cwd()): string | null {
  try {
    if (!statSync(join(dir, 'supervise')).isDirectory()) return null;
  } catch {
    return null;
  }
  return resolve(dir, 'supervise', WORKERS_FILE);
}

export function workersDocument(s: State, master: number): WorkersFile {
  return {
    master,
    version: s.version,
    number: s.config.number,
    workers: [...s.children.entries()].map(([pid, c]) => ({
      pid,
      acked: c.acked,
      version: c.version,
      index: c.index,
      stopping: c.signaled.length > 0,
      since: c.spinup_time,
    })),
  };
}

/** Writes the file when its content changed; returns the text written (or the previous one). */
export function writeWorkersFile(path: string, doc: WorkersFile, previous: string | null): string | null {
  const text = `${JSON.stringify(doc)}\n`;
  if (text === previous) return previous;
  try {
    writeAtomic(path, text);
    return text;
  } catch {
    return previous;
  }
}

export function removeWorkersFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** For `hexad status`: the workers of the einhorn master running as `pid` in service `dir`. */
export function readWorkersFile(dir: string, pid: number | null): WorkersFile | null {
  if (pid === null) return null;
  const path = join(dir, 'supervise', WORKERS_FILE);
  // most services have none: a stat is far cheaper than a failing read (an exception each)
  if (!existsSync(path)) return null;
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as WorkersFile;
    if (doc.master !== pid || !Array.isArray(doc.workers)) return null;
    return doc;
  } catch {
    return null;
  }
}
