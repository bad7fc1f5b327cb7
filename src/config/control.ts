// The verbs by app name: start, stop, restart, reload, scale. They act on the running state
// through rc (start/stop respect dependencies) and the supervisors' control FIFOs.
import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Fatal } from '../s6/diag.js';
import { isUp, readStatus } from '../s6/status.js';
import { writeDeathTally } from '../s6/dtally.js';
import { appByName, hexad, scaleTo, type RunResult } from './runtime.js';
import type { CompiledApp, CompiledConfig, StatePaths } from './compile.js';

export type Verb = 'start' | 'stop' | 'restart' | 'reload';
export const FAILED_MARK = 'hexad-failed';

async function must(p: Promise<RunResult>, what: string): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Fatal(r.code === 100 ? 111 : r.code, `${what}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
}

/** The supervised directories that run an app's program: itself, or each instance. */
export function programDirs(p: StatePaths, app: CompiledApp): string[] {
  const dir = join(p.scan, app.name);
  if (!app.instances) return [dir];
  const inst = join(dir, 'instance');
  try {
    return readdirSync(inst).filter((n) => !n.startsWith('.')).map((n) => join(inst, n));
  } catch {
    return [];
  }
}

/** Clears the crash-loop `failed` state: the mark, and the death tally it was counted from. */
function clearFailed(dir: string): void {
  try { unlinkSync(join(dir, FAILED_MARK)); } catch { /* not failed */ }
  try { if (existsSync(join(dir, 'supervise'))) writeDeathTally(dir, []); } catch { /* not supervised */ }
}

export async function control(p: StatePaths, c: CompiledConfig, name: string, verb: Verb, timeout = 0): Promise<void> {
  const app = appByName(c, name);
  const t = timeout ? ['-t', String(timeout)] : [];
  if (verb === 'start') return must(hexad(['rc', '-l', p.live, '-u', ...t, 'change', ...(app.kind === 'oneshot' ? [app.name] : []), ...app.services]), `start ${name}`);
  if (verb === 'stop') return must(hexad(['rc', '-l', p.live, '-d', ...t, 'change', app.name]), `stop ${name}`);
  if (verb === 'reload' && app.einhornSock) return must(hexad(['einhornsh', '-d', app.einhornSock, '-e', 'upgrade']), `reload ${name}`);
  if (app.kind === 'oneshot') {
    await must(hexad(['rc', '-l', p.live, '-d', ...t, 'change', app.name]), `restart ${name}`);
    return must(hexad(['rc', '-l', p.live, '-u', ...t, 'change', app.name]), `restart ${name}`);
  }
  // restart: through rc when rc has it down, else the supervisor (s6-svc -r, or -u after `failed`)
  await must(hexad(['rc', '-l', p.live, '-u', ...t, 'change', ...app.services]), `start ${name}`);
  for (const dir of programDirs(p, app)) {
    clearFailed(dir);
    let up = false;
    try { up = isUp(readStatus(dir)); } catch { /* never ran */ }
    await must(hexad(['svc', up ? '-r' : '-u', dir]), `restart ${name}`);
  }
}

/** scale APP N: instances named 0…N-1. */
export async function scale(p: StatePaths, c: CompiledConfig, name: string, n: number): Promise<void> {
  const app = appByName(c, name);
  if (!app.instances) throw new Fatal(100, `app ${name} has no instances (set instances in the config)`);
  await scaleTo(p, app, Array.from({ length: n }, (_, i) => String(i)));
}
