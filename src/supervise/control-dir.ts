// A supervisor's own files, as s6-supervise 2.11 creates them at start: event/ (mode 3730,
// our group), supervise/, the supervise/lock write lock (held for the supervisor's life) and
// the supervise/control FIFO, opened for reading.
import { chmodSync, chownSync, closeSync, openSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { lock } from '../native/index.js';
import { Fatal, fatalSys } from '../s6/diag.js';
import { ensureFifo, FifoReader } from '../s6/fifo.js';
import { tryMkdir } from '../s6/fifodir.js';

function mkdirChecked(path: string, what: string): boolean {
  try {
    return tryMkdir(path);
  } catch (e) {
    if ((e as { notDirectory?: boolean }).notDirectory) throw new Fatal(100, `${what} exists and is not a directory`);
    throw fatalSys(111, `mkdir ${what}`, e);
  }
}

/** Throws Fatal (100: already supervised, not a directory, control not a FIFO; 111: system
 * errors), with nothing left open. */
export function openControl(dir: string, onControl: (chunk: Buffer) => void): { lockFd: number; control: FifoReader } {
  const umask = process.umask(0);
  try {
    const eventDir = join(dir, 'event');
    if (mkdirChecked(eventDir, 'event')) {
      try {
        chownSync(eventDir, -1, process.getegid!());
        chmodSync(eventDir, 0o3730);
      } catch (e) {
        throw fatalSys(111, 'chown event', e);
      }
    }
    mkdirChecked(join(dir, 'supervise'), 'supervise');
    let fd: number;
    try {
      fd = openSync(join(dir, 'supervise', 'lock'), C.O_WRONLY | C.O_NONBLOCK | C.O_CREAT, 0o644);
    } catch (e) {
      throw fatalSys(111, 'open supervise/lock', e);
    }
    let locked: boolean;
    try {
      locked = lock(fd, 'w', false);
    } catch (e) {
      closeSync(fd);
      throw fatalSys(111, 'lock supervise/lock', e);
    }
    if (!locked) {
      closeSync(fd);
      throw new Fatal(100, 'another instance of s6-supervise is already running');
    }
    try {
      const ctl = join(dir, 'supervise', 'control');
      try {
        ensureFifo(ctl, 0o600, 'supervise/control');
      } catch (e) {
        if (e instanceof Fatal) throw e;
        throw fatalSys(111, 'mkfifo supervise/control', e);
      }
      try {
        return { lockFd: fd, control: new FifoReader(ctl, onControl) };
      } catch (e) {
        throw fatalSys(111, 'open supervise/control for reading', e);
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  } finally {
    process.umask(umask);
  }
}
