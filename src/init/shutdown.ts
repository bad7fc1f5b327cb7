// Stage 3: what runs when CMD exits or the container is told to stop. Each step is bounded by
// its S6_* time, and a second TERM changes nothing (the grace times are never skipped).
import { readFileSync } from 'node:fs';
import { syncDisks } from '../native/index.js';
import type { InitSettings } from './settings.js';
import type { Layout } from './layout.js';
import { remaining, signalAll } from './procs.js';
import { bringAllDown, type ToolRunner } from './rc-stage.js';
import { runScripts, type ScriptContext } from './stages.js';

export interface ShutdownDeps {
  settings: InitSettings;
  layout: Layout;
  tools: ToolRunner;
  scripts: ScriptContext;
  /** stops the in-process scanner (every supervisor brings its service down, finish included);
   * resolves when all have exited */
  stopScanner: () => Promise<void>;
  /** pids that must outlive the final kill (the catch-all logger, closed last) */
  spare: Set<number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `p`, at most `ms` (0: no limit); true when it settled in time. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  if (!ms) {
    await p;
    return true;
  }
  let t: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((res) => { t = setTimeout(() => res(false), ms); })]);
  clearTimeout(t);
  return r;
}

async function untilNoneLeft(spare: Set<number>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (remaining(spare).length === 0) return true;
    if (Date.now() >= end) return false;
    await sleep(Math.min(50, Math.max(1, end - Date.now())));
  }
}

export async function stage3(d: ShutdownDeps): Promise<void> {
  const { settings: s, scripts } = d;
  scripts.info('stage 3: bringing services down');
  const rc = await bringAllDown(d.layout, d.tools, s.servicesGracetime);
  if (rc) scripts.warn(`${rc.step} did not complete (${rc.exit.timedOut ? 'timed out' : `exit ${rc.exit.code}`})`);
  if (!(await within(d.stopScanner(), s.servicesGracetime))) scripts.warn(`services still running after S6_SERVICES_GRACETIME (${s.servicesGracetime} ms)`);
  await runScripts('cont-finish', d.layout.contFinish, scripts, { stopOnFailure: false, maxMs: s.killFinishMaxtime });
  scripts.info('stage 3: sending all processes the TERM signal');
  signalAll('SIGTERM', d.spare);
  signalAll('SIGCONT', d.spare);
  if (!(await untilNoneLeft(d.spare, s.killGracetime))) {
    scripts.info('stage 3: sending all processes the KILL signal');
    signalAll('SIGKILL', d.spare);
    await untilNoneLeft(d.spare, 5000);
  }
  if (s.syncDisks) {
    scripts.info('stage 3: syncing disks');
    syncDisks();
  }
}

/** The exit code the container ends with: the exitcode file (CMD's code, or what a finish
 * script wrote there), else `fallback`. */
export function finalExitCode(l: Layout, fallback: number): number {
  let s: string;
  try {
    s = readFileSync(l.exitcodeFile, 'utf8').trim();
  } catch {
    return fallback;
  }
  if (!/^\d+$/.test(s)) return fallback;
  return Number(s) & 0xff;
}
