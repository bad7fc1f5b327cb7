// Pipes held by the scanner itself, both ends, for as long as a service uses them: the
// `X` → `X/log` logger pipes, and the named pipes of `hexad-pipe-in` / `hexad-pipe-out`
// (s6-rc pipelines). Every restart of a producer or a consumer gets the same ends, so the
// pipe's buffer survives it: nothing is lost, nothing is read twice.
import { closeSync, openSync, readlinkSync, constants as C } from 'node:fs';
import { pipe, setNonblock } from '../native/index.js';

export interface HeldPipe {
  readonly name: string;
  readFd: number;
  writeFd: number;
  readers: number;
  writers: number;
}

export type PipeEnd = 'r' | 'w';

export class PipeRegistry {
  private readonly pipes = new Map<string, HeldPipe>();

  /** One more user of an end of the pipe called `name`, created on first use (`reuse` may
   * supply the ends of a pipe that already exists, one an adopted service still holds). A pipe
   * one of whose ends was closed is not handed out again: a fresh one replaces it. */
  acquire(name: string, end: PipeEnd, reuse?: () => [number, number] | null, writerReads = false): HeldPipe {
    let p = this.pipes.get(name);
    if (!p || p.readFd < 0 || p.writeFd < 0) {
      const ends = reuse?.() ?? pipe(true);
      if (writerReads) ends[1] = readWriteEnd(ends);
      p = { name, readFd: ends[0], writeFd: ends[1], readers: 0, writers: 0 };
      this.pipes.set(name, p);
    }
    if (end === 'r') p.readers++;
    else p.writers++;
    return p;
  }

  /** One user less of an end; the last one closes that end (the reader then sees EOF, or the
   * writer EPIPE). Both ends closed: the pipe is forgotten. */
  releaseEnd(p: HeldPipe, end: PipeEnd): void {
    if (end === 'r' && --p.readers <= 0 && p.readFd >= 0) {
      closeSync(p.readFd);
      p.readFd = -1;
    }
    if (end === 'w' && --p.writers <= 0 && p.writeFd >= 0) {
      closeSync(p.writeFd);
      p.writeFd = -1;
    }
    if (p.readFd < 0 && p.writeFd < 0 && this.pipes.get(p.name) === p) this.pipes.delete(p.name);
  }

  closeAll(): void {
    for (const p of this.pipes.values()) {
      if (p.readFd >= 0) closeSync(p.readFd);
      if (p.writeFd >= 0) closeSync(p.writeFd);
      p.readFd = p.writeFd = -1;
    }
    this.pipes.clear();
  }
}

/** A writing end that also reads (the pipe opened O_RDWR through /proc), replacing the
 * write-only one. A logged service writes to this: while it runs, its pipe always has a
 * reader, so neither a logger between two runs nor a scanner killed and started again makes
 * its next write fail with EPIPE, and what the pipe holds stays in it for the next reader. */
function readWriteEnd(ends: [number, number]): number {
  const rw = openSync(`/proc/self/fd/${ends[0]}`, C.O_RDWR);
  closeSync(ends[1]);
  return rw;
}

/** The identity of the pipe at `pid`'s descriptor `fd` (`pipe:[12345]`), or null. */
export function pipeIdentity(pid: number, fd: number): string | null {
  try {
    const l = readlinkSync(`/proc/${pid}/fd/${fd}`);
    return l.startsWith('pipe:') ? l : null;
  } catch {
    return null;
  }
}

/** Opens the pipe that `pid` holds at `fd` again, both ends, through /proc (Linux lets a
 * process open an anonymous pipe it can see there). */
export function reopenPipe(pid: number, fd: number): [number, number] | null {
  if (!pipeIdentity(pid, fd)) return null;
  const path = `/proc/${pid}/fd/${fd}`;
  let r = -1;
  try {
    r = openSync(path, C.O_RDONLY | C.O_NONBLOCK);
    const w = openSync(path, C.O_WRONLY | C.O_NONBLOCK);
    setNonblock(r, false);
    setNonblock(w, false);
    return [r, w];
  } catch {
    if (r >= 0) closeSync(r);
    return null;
  }
}
