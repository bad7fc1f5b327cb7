// The instant between a spawn and the status file that names its pid. A scanner killed there
// (kill -9 is a normal event) leaves a service running that no status names; the next scanner
// would start a second copy. So before each spawn the supervisor writes the time it is about to
// spawn into supervise/hexad-spawn; a status written after the spawn carries a later stamp.
// At start-up, a spawn time newer than the status means "a process may run unrecorded": it is
// looked for in /proc (a session leader, our services are, started in that instant, whose
// working directory is the service directory) and adopted.
//
// Kill -9 between the steps: before the intent is written, nothing was spawned; after the intent
// and before the spawn, the search finds nothing and the service starts once; after the spawn
// and before the status, the search finds it; after the status, the intent is older and ignored.
// An intent cut short by the kill (empty file) means no spawn happened yet.
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { taiToUnixMs } from '../s6/tai.js';
import type { SvStatus } from '../s6/status.js';
import { procStat } from './orphan.js';

const INTENT = 'hexad-spawn';
/** /proc start times come from btime (whole seconds) plus clock ticks: allow for that. */
const BEFORE_MS = 1500;
/** a spawn from a busy thread pool may come a little after its intent */
const AFTER_MS = 5000;

export function noteSpawnIntent(dir: string): void {
  writeFileSync(join(dir, 'supervise', INTENT), `${Date.now()}\n`);
}

function readIntent(dir: string): number | null {
  try {
    const ms = Number(readFileSync(join(dir, 'supervise', INTENT), 'latin1').trim());
    return ms > 0 ? ms : null;
  } catch {
    return null;
  }
}

interface Candidate { pid: number; startMs: number; cwd: string }

let cache: { at: number; list: Candidate[] } | null = null;

/** Session leaders that are not our children, with their working directories. One look at
 * /proc serves every supervisor of a scan (they start together). */
function sessionLeaders(): Candidate[] {
  const now = Date.now();
  if (cache && now - cache.at < 2000) return cache.list;
  const list: Candidate[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!(pid > 1) || pid === process.pid) continue;
    const st = procStat(pid);
    if (!st || st.zombie || st.sid !== pid) continue;
    try {
      list.push({ pid, startMs: st.startMs, cwd: readlinkSync(`/proc/${pid}/cwd`) });
    } catch {
      // gone, or not ours to read
    }
  }
  cache = { at: now, list };
  return list;
}

/** A process spawned for `dir` (a resolved path) whose pid no status recorded, or null. */
export function findUnrecordedSpawn(dir: string, status: SvStatus | null): { pid: number; startMs: number } | null {
  const intent = readIntent(dir);
  if (intent === null) return null;
  if (status && taiToUnixMs(status.stamp) >= intent) return null;
  const found = sessionLeaders()
    .filter((c) => c.cwd === dir && c.startMs >= intent - BEFORE_MS && c.startMs <= intent + AFTER_MS)
    .sort((a, b) => a.startMs - b.startMs);
  return found.length ? { pid: found[0].pid, startMs: found[0].startMs } : null;
}
