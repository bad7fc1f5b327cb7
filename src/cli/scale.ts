// hexad scale [-c FILE] APP N: an instanced app gets exactly N instances (named 0…N-1).
import { getopt, parseUint, UsageError } from './getopt.js';
import { appContext, checkNames, running } from './app-common.js';
import { scale } from '../config/control.js';

export const usage = '[ -c configfile ] app count';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'c:');
  const n = parseUint(rest[1]);
  if (rest.length !== 2 || n === null) throw new UsageError();
  const ctx = await appContext(opts.find(([k]) => k === 'c')?.[1]);
  checkNames(ctx, [rest[0]]);
  await scale(ctx.paths, running(ctx), rest[0], n);
  return 0;
}
