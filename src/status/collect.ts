// What `hexad status` shows, read from the s6 on-disk interface only (status, down, death_tally,
// the supervise lock), so it works on a hexad scan directory and on an s6 one alike.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readDeathTally, MAX_DEATH_TALLY } from '../s6/dtally.js';
import { isLocked, lockHolderPid } from '../s6/lockfile.js';
import { errText } from '../s6/diag.js';
import { readDownReason } from '../s6/down-reason.js';
import { signalName } from '../s6/signals.js';
import { isUp, readStatus } from '../s6/status.js';
import { secondsSince, taiNow, taiToUnixMs, type Tain } from '../s6/tai.js';
import { rcStatus, type RcLiveStatus } from '../rc/status.js';
import { instancesOf } from '../instance/online.js';
import { readWorkersFile, type WorkerRow } from '../einhorn/in-tree.js';

export const SCHEMA = 'hexad.status/1';

export type LastExit = { code: number } | { signal: string } | null;

export interface ServiceView {
  name: string;
  path: string;
  supervised: boolean;
  /** `unreadable`: supervised, but supervise/status is missing, short or corrupt (see statusError) */
  state: 'up' | 'down' | 'finishing' | 'unsupervised' | 'unreadable';
  pid: number | null;
  since: string | null;
  seconds: number | null;
  /** has a notification-fd: readiness is reported */
  readiness: boolean;
  ready: boolean;
  readySince: string | null;
  paused: boolean;
  wantUp: boolean;
  normallyUp: boolean;
  lastExit: LastExit;
  deaths: number;
  logger: ServiceView | null;
  /** why supervise/status could not be used (state `unreadable`), else null */
  statusError: string | null;
  /** why a down service is down, when its supervisor recorded it (spawn error, permanent
   * failure), else null */
  downReason?: string | null;
  /** an instanced service's instances (same shape), nested */
  instances?: ServiceView[];
  /** run inside its supervisor's own process (a logger hosted by the scanner): its pid is the
   * scanner's, so its CPU and memory are not the pid's */
  hosted?: boolean;
  /** an einhorn master's workers (from supervise/hexad-einhorn.json, when it names this pid) */
  workers?: WorkerRow[];
  /** extensions add their own keys: `rc` */
  [extra: string]: unknown;
}

export interface Overview {
  schema: typeof SCHEMA;
  scandir: string;
  scanner: { running: boolean };
  services: ServiceView[];
  /** the s6-rc live states on this scan directory: every atomic service, oneshots included */
  rc: RcLiveStatus[];
}

/** What rc knows of a longrun, on its service's row. */
export interface RcMark { type: 'longrun'; state: 'up' | 'down'; live: string }

// 1970 … 9999: what a Date can print; a stamp outside is a corrupt file, not a time
const MAX_UNIX_MS = 253_402_300_799_000;
const validStamp = (t: Tain): boolean => { const ms = taiToUnixMs(t); return ms >= 0 && ms <= MAX_UNIX_MS; };
const iso = (t: Tain): string => new Date(taiToUnixMs(t)).toISOString();

/** Supervision run by the calling process itself: a process cannot see its own fcntl locks
 * with F_GETLK, so the HTTP server inside svscan says which directories it supervises. */
export interface InProcess {
  /** a service directory's real path → supervised by this process */
  supervises(path: string): boolean;
}

/** One service directory's view (a logger's too). */
export function serviceView(name: string, dir: string, here?: InProcess): ServiceView {
  const path = (() => { try { return realpathSync(dir); } catch { return dir; } })();
  const normallyUp = !existsSync(join(dir, 'down'));
  const supervised = here?.supervises(path) || (() => { try { return isLocked(join(dir, 'supervise', 'lock')); } catch { return false; } })();
  const base: ServiceView = {
    name, path, supervised, state: 'unsupervised', pid: null, since: null, seconds: null,
    readiness: existsSync(join(dir, 'notification-fd')), ready: false,
    readySince: null, paused: false, wantUp: normallyUp, normallyUp, lastExit: null, deaths: 0, logger: null,
    statusError: null,
  };
  const logDir = join(dir, 'log');
  if (name.split('/').length === 1 && isDir(logDir)) base.logger = serviceView(`${name}/log`, logDir, here);
  const instances = instancesOf(dir);
  if (instances) base.instances = instances.map((i) => serviceView(i.name, i.dir));
  if (!supervised) return base;
  let st;
  try {
    st = readStatus(dir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EPIPE' ? 'short status file' : err.code === 'ENOENT' ? 'no status file' : errText(e);
    return { ...base, state: 'unreadable', statusError: `${join(dir, 'supervise', 'status')}: ${why}` };
  }
  if (!validStamp(st.stamp)) {
    return { ...base, state: 'unreadable', statusError: `${join(dir, 'supervise', 'status')}: corrupt status file (timestamp out of range)` };
  }
  const now = taiNow();
  const tally = (() => { try { return readDeathTally(dir, MAX_DEATH_TALLY); } catch { return []; } })();
  const last = tally.at(-1);
  const up = isUp(st);
  const einhorn = up ? readWorkersFile(dir, st.pid) : null;
  if (einhorn) base.workers = einhorn.workers;
  if (up && st.pid === (here?.supervises(path) ? process.pid : lockHolderPid(join(dir, 'supervise', 'lock')))) base.hosted = true;
  return {
    ...base,
    state: up ? 'up' : st.finishing ? 'finishing' : 'down',
    downReason: up ? null : readDownReason(dir),
    pid: isUp(st) ? st.pid : null,
    since: iso(st.stamp),
    seconds: secondsSince(st.stamp, now),
    ready: st.ready && st.pid !== 0 && !st.finishing,
    readySince: st.ready && validStamp(st.readyStamp) ? iso(st.readyStamp) : null,
    paused: st.paused && isUp(st),
    wantUp: st.wantUp,
    lastExit: last ? (last.sig ? { signal: signalName(last.sig) } : { code: last.exitCode }) : null,
    deaths: tally.length,
  };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Every service of a scan directory, sorted by name (entries as s6-svscan counts them). */
export function scanOverview(scandir: string, here?: InProcess): Overview {
  const names = readdirSync(scandir).filter((n) => !n.startsWith('.') && isDir(join(scandir, n))).sort();
  const running = !!here || (() => { try { return isLocked(join(scandir, '.s6-svscan', 'lock')); } catch { return false; } })();
  const services = names.map((n) => serviceView(n, join(scandir, n), here));
  const rc = (() => { try { return rcStatus(scandir); } catch { return []; } })();
  for (const live of rc) {
    for (const r of live.services) {
      const row = r.link ? services.find((v) => v.name === r.link) : undefined;
      if (row) row.rc = { type: 'longrun', state: r.up ? 'up' : 'down', live: live.live } satisfies RcMark;
    }
  }
  return { schema: SCHEMA, scandir: realpathSync(scandir), scanner: { running }, services, rc };
}

/** One service directory alone (`hexad status DIR/svc`). */
export function singleOverview(name: string, dir: string): Overview {
  const parent = dirname(realpathSync(dir));
  const running = (() => { try { return isLocked(join(parent, '.s6-svscan', 'lock')); } catch { return false; } })();
  return { schema: SCHEMA, scandir: parent, scanner: { running }, services: [serviceView(name, dir)], rc: [] };
}

/** What DIR is: a scan directory (it has .s6-svscan/, or service directories not yet
 * scanned), one service directory (it has `run`), or neither. */
export function dirKind(dir: string): 'scan' | 'service' | 'neither' {
  if (existsSync(join(dir, '.s6-svscan'))) return 'scan';
  if (existsSync(join(dir, 'run'))) return 'service';
  const names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  return names.some((n) => existsSync(join(dir, n, 'run'))) ? 'scan' : 'neither';
}

/** Whether DIR is a scan directory (rather than one service directory). */
export function isScanDir(dir: string): boolean {
  return dirKind(dir) === 'scan';
}
