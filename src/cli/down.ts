// hexad down [-c FILE] [-t timeout]: every app down (dependents first), then the scanner.
import { getopt, UsageError } from './getopt.js';
import { appContext } from './app-common.js';
import { bringDown } from '../config/runtime.js';

export const usage = '[ -c configfile ] [ -t timeout ]';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'c:t:');
  if (rest.length) throw new UsageError();
  const file = opts.find(([k]) => k === 'c')?.[1];
  const t = Number(opts.find(([k]) => k === 't')?.[1] ?? 0);
  const ctx = await appContext(file);
  const was = await bringDown(ctx.lc.stateDir, t);
  process.stderr.write(was ? 'hexad down: everything is down\n' : 'hexad down: nothing was running\n');
  return 0;
}
