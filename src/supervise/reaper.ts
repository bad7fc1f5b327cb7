// The one place hexad waits for children. Children started with the addon's posix_spawn are not
// libuv's, so nobody else waits for them. On SIGCHLD one native call (reapBatch) reaps every
// exited child we own and returns [pid, raw wait status] pairs (core-dump bit included, as s6
// stores it); each goes to its owner through `children`. The cost is per death, not per child.
//
// Coexisting with libuv: child_process children are reaped by libuv's own SIGCHLD handler with
// waitpid(pid); a status taken from it is lost for good (its 'exit' never fires). So the batch
// peeks first (waitid WNOWAIT) and reaps only pids we claimed. When the first exited child is
// someone else's, the batch stops there ("blocked"): we look again two loop turns later, when
// libuv has read the same signal and reaped its child. As PID 1 or a child subreaper, a foreign
// pid that is still there after those turns is an orphan we inherited, and we reap it (nobody
// else can). When not, a pid nobody reaps is left alone and our own are swept one by one.
import { claim, isSubreaper, reapBatch, setSubreaper, spawnProcess, waitpid } from '../native/index.js';

type OnExit = (wstat: number) => void;
const children = new Map<number, OnExit>();
let listening = false;
let environ: string[] | null = null;
let orphansToo: boolean | null = null;
/** Foreign pid the last batch stopped at, and the orphan pid the next batch may reap. */
let blockedBy = 0;
let blockedRounds = 0;
let retryQueued = false;
let orphansReaped = 0;

/** Whether we reap children that are not ours: as PID 1, or once made a subreaper. */
export function reapsOrphans(): boolean {
  if (orphansToo === null) {
    let sub = false;
    try { sub = isSubreaper(); } catch { /* old kernel */ }
    orphansToo = process.pid === 1 || sub;
  }
  return orphansToo;
}

/** prctl(PR_SET_CHILD_SUBREAPER): the orphans of every descendant come to us to be reaped. */
export function becomeSubreaper(): void {
  setSubreaper(true);
  orphansToo = true;
  listenForChildren();
}

/** How many inherited orphans this process has reaped (for tests and status). */
export const orphanCount = (): number => orphansReaped;

function dispatch(reaped: number[]): void {
  for (let i = 0; i < reaped.length; i += 2) {
    const pid = reaped[i];
    const onExit = children.get(pid);
    if (onExit) {
      children.delete(pid);
      onExit(reaped[i + 1]);
    } else {
      orphansReaped++;
    }
  }
}

function reap(): void {
  const orphan = reapsOrphans() && blockedRounds >= 2 ? blockedBy : 0;
  const { reaped, blocked } = reapBatch(orphan);
  dispatch(reaped);
  if (!blocked) {
    blockedBy = 0;
    blockedRounds = 0;
    return;
  }
  if (blocked !== blockedBy) {
    blockedBy = blocked;
    blockedRounds = 0;
  }
  blockedRounds++;
  if (reapsOrphans() || blockedRounds <= 2) {
    // look again once libuv has had a whole loop turn to take its child
    if (!retryQueued) {
      retryQueued = true;
      setImmediate(() => setImmediate(() => {
        retryQueued = false;
        reap();
      }));
    }
    return;
  }
  // a zombie someone else keeps (not libuv's, and we may not reap it) hides ours: sweep ours
  sweepEach();
}

function sweepEach(): void {
  for (const [pid, onExit] of children) {
    let r: [number, number] | null;
    try {
      r = waitpid(pid, true);
    } catch {
      children.delete(pid); // not (or no longer) our child
      claim(pid, false);
      continue;
    }
    if (!r) continue;
    children.delete(pid);
    claim(pid, false);
    onExit(r[1]);
  }
}

/** The environment children get: ours, as s6 passes it on. */
export function childEnviron(): string[] {
  environ ??= Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  return environ;
}

/** Pids registered since the last turn: each is looked at once, by pid, on the next turn. */
const fresh: number[] = [];

/** Must run before any child is started: a SIGCHLD that comes before Node listens is lost. */
export function listenForChildren(): void {
  if (listening) return;
  process.on('SIGCHLD', reap);
  listening = true;
  // an orphan may have died before we listened
  if (reapsOrphans()) setImmediate(reap);
}

/** Calls `onExit` with the raw wait status of `pid`, a child started by the addon (or adopted
 * across a re-exec). On the next turn that pid alone is waited for (WNOHANG), for a child that
 * died before it was registered (its SIGCHLD may have been handled already). By pid, not a
 * batch: waitid(P_ALL) walks every child in the kernel, a cost that grows with the tree, and a
 * restart would pay it once more per death. */
export function watchChild(pid: number, onExit: OnExit): void {
  listenForChildren();
  children.set(pid, onExit);
  claim(pid, true);
  if (fresh.push(pid) === 1) setImmediate(checkFresh);
}

function checkFresh(): void {
  const pids = fresh.splice(0);
  for (const pid of pids) {
    const onExit = children.get(pid);
    if (!onExit) continue;
    let r: [number, number] | null;
    try {
      r = waitpid(pid, true);
    } catch {
      continue; // not our child (an adopted pid that another process reaped): left as before
    }
    if (!r) continue;
    children.delete(pid);
    claim(pid, false);
    onExit(r[1]);
  }
}

/** Starts a program (see spawnProcess) in a new session (unless `setsid` is false) and watches it. */
export function spawnWatched(path: string, argv: string[], cwd: string, fds: number[], onExit: OnExit, env?: string[], setsid = true): number {
  listenForChildren();
  const pid = spawnProcess(path, argv, env ?? childEnviron(), cwd, fds, setsid);
  watchChild(pid, onExit);
  return pid;
}

/** Keeps reaping `pid` but drops its callback (a supervisor that left its service running). */
export function abandonChild(pid: number): void {
  if (children.has(pid)) children.set(pid, () => { /* nobody supervises it any more */ });
}

/** Reaps now (tests, and callers that know a child just died). */
export const reapNow = (): void => reap();
