// What s6-supervise's trystart does before the fork: read notification-fd and lock-fd, open
// the notification file (readiness-file.ts), lay out the child's descriptors. Pure but for the files it reads and
// the pipe it makes; the supervisor acts on the answer.
import { closeSync, fstatSync, ftruncateSync, openSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lock, type SpawnRequest } from '../native/index.js';
import { errText, type Warn } from '../s6/diag.js';
import { readUint } from './service-files.js';
import type { Stdio } from './supervisor.js';
import { openReadinessFile } from './readiness-file.js';
import { noteSpawnIntent } from './spawn-intent.js';

/** `notifyFd`: our descriptor of the notification file, to close once the child has it. */
export interface StartPlan { request: SpawnRequest | null; notifyFd: number | null }

/** A plan, or why not now: wait `waitMs` (-1: until told), or fail as an exec failure would. */
export type PlanResult = { plan: StartPlan } | { waitMs: number; spawnError?: undefined } | { spawnError: { what: string; e: unknown }; waitMs?: undefined };

/** Descriptor numbers beyond any rlimit here: a notification-fd this large cannot be moved. */
const MAX_FD = 1 << 16;
const HEXAD_BIN = fileURLToPath(new URL('../../../bin/hexad.js', import.meta.url));

export function planStart(dir: string, name: string, stdio: Stdio, warn: Warn): PlanResult {
  let notif = readUint(dir, 'notification-fd', warn);
  if (notif !== null && notif > 0x7fffffff) {
    warn('invalid notification-fd');
    notif = null;
  }
  let lockFd = readUint(dir, 'lock-fd', warn);
  if (lockFd !== null && lockFd > 0x7fffffff) {
    warn('invalid lock-fd');
    lockFd = null;
  }
  if (lockFd !== null && notif !== null && lockFd === notif) {
    warn('unable to start service: notification-fd and lock-fd are the same');
    return { waitMs: -1 };
  }
  if (lockFd !== null) {
    const wait = checkServiceLock(dir, warn);
    if (wait) return { waitMs: wait };
  }
  if ((notif !== null && notif >= MAX_FD) || (lockFd !== null && lockFd >= MAX_FD)) {
    return { spawnError: { what: 'move notification descriptor', e: Object.assign(new Error('bad fd'), { errno: 9 }) } };
  }
  let notifyFd: number | null = null;
  if (notif !== null) {
    try {
      notifyFd = openReadinessFile(dir);
    } catch (e) {
      warn(`unable to open supervise/hexad-ready (waiting 60 seconds): ${errText(e)}`);
      return { waitMs: 60_000 };
    }
  }
  const fds: number[] = [stdio.stdin, stdio.stdout, stdio.stderr];
  if (notifyFd !== null && notif !== null) {
    while (fds.length <= notif) fds.push(-1);
    fds[notif] = notifyFd;
  }
  let file = './run';
  let argv = ['run', name];
  if (lockFd !== null) {
    // as s6 HEAD does through s6-setlock: a helper takes the lock at fd N, then execs run
    file = process.execPath;
    argv = [process.execPath, HEXAD_BIN, 'supervise', '--setlock-exec', String(lockFd), join('supervise', 'service-lock'), './run', 'run', name];
  }
  try {
    noteSpawnIntent(dir);
  } catch (e) {
    warn(`unable to write supervise/hexad-spawn: ${errText(e)}`);
  }
  return { plan: { request: [file, argv, dir, fds, true], notifyFd } };
}

/** lock-fd, 2.11 style: warn about leftovers and about a lock another instance holds. 0 when
 * the start can go on, else the ms to wait. */
function checkServiceLock(dir: string, warn: Warn): number {
  const path = join(dir, 'supervise', 'service-lock');
  let fd: number;
  try {
    fd = openSync(path, C.O_WRONLY | C.O_CREAT, 0o644);
  } catch (e) {
    warn(`unable to open supervise/service-lock for writing (waiting 60 seconds): ${errText(e)}`);
    return 60_000;
  }
  try {
    if (fstatSync(fd).size) {
      ftruncateSync(fd, 0);
      warn('a previous instance of the service wrote to the lock file!');
    }
    if (!lock(fd, 'w', false)) warn('another instance of the service is already running, child will block');
  } catch (e) {
    warn(`unable to lock supervise/service-lock (waiting 60 seconds): ${errText(e)}`);
    return 60_000;
  } finally {
    closeSync(fd); // our probe lock goes with it: the child takes its own
  }
  return 0;
}
