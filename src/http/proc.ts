// CPU time and resident memory of a process, read from /proc/PID/stat when asked (at scrape
// time or when the dashboard's stats go out), never polled in the background.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** Linux reports times in clock ticks; USER_HZ is 100 on every architecture Linux supports. */
const CLK_TCK = 100;
const buf = Buffer.alloc(1024);
let pageSize = 0;

export interface ProcUsage { cpuSeconds: number; rssBytes: number }

/** The page size, from this process's own RSS in kB against its RSS in pages. */
function pages(): number {
  if (pageSize) return pageSize;
  try {
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1]);
    const resident = Number(readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
    const guess = (kb * 1024) / resident;
    pageSize = [4096, 16384, 65536].reduce((best, p) => (Math.abs(p - guess) < Math.abs(best - guess) ? p : best), 4096);
  } catch {
    pageSize = 4096;
  }
  return pageSize;
}

const SPACE = 0x20, CLOSE = 0x29, MINUS = 0x2d, ZERO = 0x30;

/** Fields 14, 15 (utime, stime) and 24 (rss) of proc(5), parsed from the bytes of a stat line
 * (no string is made: a scrape reads a thousand of them). null when the line is cut short. */
function parseStat(b: Buffer, n: number): ProcUsage | null {
  let i = b.lastIndexOf(CLOSE, n - 1);
  if (i < 0) return null;
  i += 2; // past ") ": at field 3 (state), index 0 here
  let field = 0, ticks = 0;
  while (i < n) {
    if (field === 11 || field === 12 || field === 21) {
      let v = 0, neg = false;
      if (b[i] === MINUS) { neg = true; i++; }
      for (; i < n && b[i] !== SPACE; i++) v = v * 10 + (b[i] - ZERO);
      if (neg) v = -v;
      if (field === 21) return { cpuSeconds: ticks / CLK_TCK, rssBytes: v * pages() };
      ticks += v;
    } else {
      const sp = b.indexOf(SPACE, i);
      if (sp < 0 || sp >= n) return null;
      i = sp;
    }
    i++; // the space
    field++;
  }
  return null;
}

/** null when the process is gone (or pid is not a real pid). */
export function procUsage(pid: number): ProcUsage | null {
  if (!(pid > 0)) return null;
  let n: number;
  try {
    const fd = openSync(`/proc/${pid}/stat`, 'r');
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  return parseStat(buf, n);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch { /* already closed */ }
}

/** The soft limit on open files (Node raises it to the hard limit at startup). */
function openFilesLimit(): number {
  try {
    const m = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (m) return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]) || 1024;
  } catch { /* no /proc/self/limits */ }
  return 1024;
}

interface Held { fd: number; round: number }

/**
 * procUsage for the same processes again and again (one round per scrape). Each pid's stat file
 * stays open from one round to the next and is read again at offset 0, where procfs writes it
 * anew: that costs a third of open + read + close.
 *
 * A held descriptor belongs to the process it was opened for, not to its number: once that
 * process is gone (reaped), reading it fails with ESRCH, and the reader opens the pid's file
 * again, so a reused pid is never read as its former owner. Files of pids not asked for in a
 * round are closed when it ends. Descriptors are the supervisors' first: at most an eighth of
 * the open-files limit is held (beyond that, files are opened and closed as procUsage does), and
 * an EMFILE or ENFILE here closes every held one and stops holding.
 */
export class ProcStatReader {
  private readonly held = new Map<number, Held>();
  private readonly buf = Buffer.alloc(1024);
  private round = 0;
  private max = Math.floor(openFilesLimit() / 8);

  begin(): void {
    this.round++;
  }

  /** null when the process is gone (or pid is not a real pid). */
  usage(pid: number): ProcUsage | null {
    if (!(pid > 0)) return null;
    const h = this.held.get(pid);
    if (h) {
      h.round = this.round;
      const n = this.pread(h.fd);
      if (n > 0) return parseStat(this.buf, n);
      // the process it was opened for is gone; the number may belong to another one now
      closeQuietly(h.fd);
      this.held.delete(pid);
    }
    let fd: number;
    try {
      fd = openSync(`/proc/${pid}/stat`, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EMFILE' && code !== 'ENFILE') return null;
      this.close();
      this.max = 0;
      return procUsage(pid);
    }
    const n = this.pread(fd);
    if (n > 0 && this.held.size < this.max) this.held.set(pid, { fd, round: this.round });
    else closeQuietly(fd);
    return n > 0 ? parseStat(this.buf, n) : null;
  }

  /** Closes the files of the pids this round did not ask for. */
  end(): void {
    for (const [pid, h] of this.held) {
      if (h.round !== this.round) {
        closeQuietly(h.fd);
        this.held.delete(pid);
      }
    }
  }

  close(): void {
    for (const h of this.held.values()) closeQuietly(h.fd);
    this.held.clear();
  }

  /** How many files are held open (for tests). */
  get size(): number {
    return this.held.size;
  }

  private pread(fd: number): number {
    try {
      return readSync(fd, this.buf, 0, this.buf.length, 0);
    } catch {
      return -1;
    }
  }
}
