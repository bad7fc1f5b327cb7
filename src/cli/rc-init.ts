import { getopt, uintArg, UsageError } from './getopt.js';
import { rcInit } from '../rc/init.js';
import { canonPath, DEFAULT_COMPILED, DEFAULT_LIVE } from '../rc/live.js';

export const usage = '[ -c compiled ] [ -l live ] [ -p prefix ] [ -t timeout ] [ -d ] scandir';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'c:l:p:t:bd');
  let compiled = DEFAULT_COMPILED, live = DEFAULT_LIVE, prefix = '', timeout = 0, deref = false;
  for (const [k, v] of opts) {
    if (k === 'c') compiled = v!;
    else if (k === 'l') live = v!;
    else if (k === 'p') prefix = v!;
    else if (k === 't') timeout = uintArg(v);
    else if (k === 'd') deref = true;
    // -b: accepted and ignored, as s6-rc-init 0.5.4.1 does
  }
  if (!rest.length) throw new UsageError();
  await rcInit({ compiled: canonPath(compiled), live: canonPath(live), scandir: canonPath(rest[0]), prefix, timeout, deref });
  return 0;
}
