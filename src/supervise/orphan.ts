// A service left running by a supervisor that died without stopping it (SIGKILL of svscan or
// of supervise). s6 would start a second copy; hexad finds it and supervises it again.
import { closeSync, readFileSync } from 'node:fs';
import { pidfdOpen, watchOnce } from '../native/index.js';
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

/** How often an adopted process is looked at where the kernel has no pidfd (Linux < 5.3). */
export const ORPHAN_POLL_MS = 200;

let pidfdMissing = false;

/** Calls `onExit` once (never synchronously) when the adopted `pid`, started at `startMs`, is
 * no longer running as it was. An event where the kernel has one (a pidfd, readable when the
 * process exits), otherwise a look at /proc every ORPHAN_POLL_MS. Returns stop(), which ends
 * the watch without calling `onExit` (and may be called more than once). */
export function watchOrphanExit(pid: number, startMs: number, onExit: () => void): () => void {
  let stopped = false;
  let stopWatch: (() => void) | null = null;
  const fire = (): void => {
    if (stopped) return;
    stop();
    onExit();
  };
  const stop = (): void => {
    stopped = true;
    stopWatch?.();
    stopWatch = null;
  };
  if (!pidfdMissing && pid > 1) {
    let fd = -1;
    try {
      fd = pidfdOpen(pid);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSYS' || code === 'EPERM') pidfdMissing = true; // no pidfd here (or seccomp)
      else if (code === 'ESRCH') {
        setImmediate(fire); // already gone
        return stop;
      }
    }
    if (fd >= 0) {
      try {
        stopWatch = watchOnce(fd, fire);
      } catch {
        closeSync(fd);
        fd = -1;
      }
    }
    if (fd >= 0) {
      // the pid may have been reused between the caller's look at /proc and pidfd_open
      if (!stillRunning(pid, startMs)) setImmediate(fire);
      return stop;
    }
  }
  const timer = setInterval(() => {
    if (!stillRunning(pid, startMs)) fire();
  }, ORPHAN_POLL_MS);
  stopWatch = () => clearInterval(timer);
  return stop;
}
