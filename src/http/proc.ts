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
  const text = buf.toString('latin1', 0, n);
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).split(' ');
  // fields 14, 15 (utime, stime) and 24 (rss) of proc(5), counted from `state` = field 3
  const ticks = Number(f[11]) + Number(f[12]);
  return { cpuSeconds: ticks / CLK_TCK, rssBytes: Number(f[21]) * pages() };
}
