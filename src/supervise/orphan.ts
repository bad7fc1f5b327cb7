// A service left running by a supervisor that died without stopping it (SIGKILL of svscan or
// of supervise). s6 would start a second copy; hexad finds it and supervises it again.
import { readFileSync } from 'node:fs';
import { taiToUnixMs } from '../s6/tai.js';
import type { SvStatus } from '../s6/status.js';

const CLK_TCK = 100; // USER_HZ: the unit of /proc/PID/stat start times on Linux
let bootTimeMs: number | null = null;

function bootTime(): number {
  if (bootTimeMs === null) {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootTimeMs = m ? Number(m[1]) * 1000 : 0;
  }
  return bootTimeMs;
}

interface ProcStat { sid: number; startMs: number; zombie: boolean }

export function procStat(pid: number): ProcStat | null {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // the command name may hold spaces and parentheses: fields start after the last ')'
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { sid: Number(f[3]), startMs: bootTime() + (Number(f[19]) / CLK_TCK) * 1000, zombie: f[0] === 'Z' };
}

/** The pid the status file names, when that process still runs as the service it names:
 * its own session leader, started when the status says the service started. */
export function findOrphan(status: SvStatus): number | null {
  if (status.pid <= 1 || status.finishing) return null;
  const st = procStat(status.pid);
  if (!st || st.zombie || st.sid !== status.pid) return null;
  return Math.abs(st.startMs - taiToUnixMs(status.stamp)) < 3000 ? status.pid : null;
}

/** Whether the adopted `pid` (not our child: no SIGCHLD for it) still runs as it did. */
export function stillRunning(pid: number, startMs: number): boolean {
  const st = procStat(pid);
  return !!st && !st.zombie && Math.abs(st.startMs - startMs) < 1;
}
