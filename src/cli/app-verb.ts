// The body of hexad start|stop|restart|reload [-c FILE] APP…
import { getopt, UsageError } from './getopt.js';
import { appContext, checkNames, running } from './app-common.js';
import { control, type Verb } from '../config/control.js';

export const verbUsage = '[ -c configfile ] [ -t timeout ] app...';

export async function verbMain(verb: Verb, args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'c:t:');
  if (!rest.length) throw new UsageError();
  const file = opts.find(([k]) => k === 'c')?.[1];
  const t = Number(opts.find(([k]) => k === 't')?.[1] ?? 0);
  const ctx = await appContext(file);
  checkNames(ctx, rest);
  const c = running(ctx);
  for (const name of rest) await control(ctx.paths, c, name, verb, t);
  return 0;
}
