// Children started with the addon's posix_spawn are not libuv's, so nobody else waits for
// them: on every SIGCHLD each one is polled with waitpid(WNOHANG), which also gives the raw
// wait status s6 stores (core-dump bit included).
import { spawnProcess, waitpid } from '../native/index.js';

type OnExit = (wstat: number) => void;
const children = new Map<number, OnExit>();
let listening = false;
let environ: string[] | null = null;

function reap(): void {
  for (const [pid, onExit] of children) {
    let r: [number, number] | null;
    try {
      r = waitpid(pid, true);
    } catch {
      children.delete(pid); // not (or no longer) our child
      continue;
    }
    if (!r) continue;
    children.delete(pid);
    onExit(r[1]);
  }
}

/** The environment children get: ours, as s6 passes it on. */
export function childEnviron(): string[] {
  environ ??= Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  return environ;
}

let sweepQueued = false;

/** Must run before any child is started: a SIGCHLD that comes before Node listens is lost. */
export function listenForChildren(): void {
  if (listening) return;
  process.on('SIGCHLD', reap);
  listening = true;
}

/** Calls `onExit` with the raw wait status of `pid`, a child started by the addon. A sweep
 * follows on the next turn, for a child that died before it was registered. */
export function watchChild(pid: number, onExit: OnExit): void {
  listenForChildren();
  children.set(pid, onExit);
  if (!sweepQueued) {
    sweepQueued = true;
    setImmediate(() => {
      sweepQueued = false;
      reap();
    });
  }
}

/** Starts a program (see spawnProcess) in a new session and watches it. */
export function spawnWatched(path: string, argv: string[], cwd: string, fds: number[], onExit: OnExit): number {
  listenForChildren();
  const pid = spawnProcess(path, argv, childEnviron(), cwd, fds, true);
  watchChild(pid, onExit);
  return pid;
}

/** Keeps reaping `pid` but drops its callback (a supervisor that left its service running). */
export function abandonChild(pid: number): void {
  if (children.has(pid)) children.set(pid, () => { /* nobody supervises it any more */ });
}
