// What the generated `APP-watch` longrun runs (`hexad app-watch spec.json`): file watching
// (debounced, ignore globs), a cron schedule, and a memory cap, each acting on the app through
// the same s6 interface as `hexad restart` (or an einhorn upgrade for socket apps). It is a
// supervised service of its own, so it restarts if it dies; it exists only for apps that ask.
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';
import picomatch from 'picomatch';
import { CronExpressionParser } from 'cron-parser';

export interface WatchSpec {
  app: string;
  kind: 'longrun' | 'oneshot';
  cwd: string;
  scan: string;
  live: string;
  watch: { paths: string[]; ignore: string[]; debounce: number } | null;
  cron: string | null;
  maxMemory: number | null;
  reloadSock: string | null;
}

export interface Clock { now(): number; setTimeout(f: () => void, ms: number): { cancel(): void } }
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (f, ms) => { const t = setTimeout(f, ms); return { cancel: () => clearTimeout(t) }; },
};

/** The next time (ms) `expr` fires strictly after `afterMs`. */
export function nextFire(expr: string, afterMs: number): number {
  return CronExpressionParser.parse(expr, { currentDate: new Date(afterMs) }).next().getTime();
}

/** Calls `fire` on every tick of `expr`, timed by `clock`; returns a stop function. */
export function schedule(expr: string, clock: Clock, fire: () => void): () => void {
  let pending: { cancel(): void } | null = null;
  let stopped = false;
  const arm = (): void => {
    const now = clock.now();
    const at = nextFire(expr, now);
    pending = clock.setTimeout(() => {
      if (stopped) return;
      fire();
      arm();
    }, Math.max(0, at - now));
  };
  arm();
  return () => { stopped = true; pending?.cancel(); };
}

/** Watches `paths` recursively; `onChange` once per burst of changes to files not ignored. */
export function watchFiles(w: NonNullable<WatchSpec['watch']>, onChange: (file: string) => void): () => void {
  const ignored = picomatch(w.ignore, { dot: true });
  let timer: NodeJS.Timeout | null = null;
  let last = '';
  const watchers: FSWatcher[] = w.paths.map((root) => fsWatch(root, { recursive: true }, (_ev, name) => {
    if (!name) return;
    const file = join(root, name.toString());
    const rel = relative(root, file);
    if (ignored(file) || ignored(rel)) return;
    last = file;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; onChange(last); }, w.debounce);
  }));
  return () => { for (const x of watchers) x.close(); if (timer) clearTimeout(timer); };
}
