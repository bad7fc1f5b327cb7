// hexad app-finish OPTIONS -- EXIT SIGNAL: the restart policy of a generated finish script (its
// cwd is the service directory). See config/restart.ts.
import { writeFileSync } from 'node:fs';
import { getopt, UsageError } from './getopt.js';
import { readDeathTally, MAX_DEATH_TALLY } from '../s6/dtally.js';
import { decide, type RestartSettings } from '../config/restart.js';
import { FAILED_MARK } from '../config/control.js';

export const usage = '--policy P --initial MS --factor F --max MS --window MS [ --limit N ] -- exitcode signal';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, '', ['policy', 'initial', 'factor', 'max', 'window', 'limit'].map((name) => ({ name, arg: true })));
  const o = Object.fromEntries(opts) as Record<string, string>;
  const num = (k: string, d: number): number => (o[k] === undefined ? d : Number(o[k]));
  const s: RestartSettings = {
    policy: (o.policy ?? 'always') as RestartSettings['policy'], initial: num('initial', 0), factor: num('factor', 2),
    max: num('max', 15000), window: num('window', 60000), limit: o.limit === undefined ? null : Number(o.limit),
  };
  if (!['always', 'on-failure', 'never'].includes(s.policy)) throw new UsageError();
  const exitCode = Number(rest[0] ?? 0);
  let deaths: import("../s6/dtally.js").Death[];
  try { deaths = readDeathTally('.', MAX_DEATH_TALLY); } catch { deaths = []; }
  const d = decide(s, exitCode, deaths, Date.now());
  if (d.action === 'failed') {
    writeFileSync(FAILED_MARK, `${new Date().toISOString()} ${deaths.length} deaths\n`);
    process.stderr.write(`hexad: ${process.cwd()}: crash loop: failed after ${s.limit} restarts in ${s.window} ms; hexad restart clears it\n`);
    return 125;
  }
  if (d.action === 'stay-down') return 125;
  if (d.delayMs) await new Promise((r) => setTimeout(r, d.delayMs));
  return 0;
}
