import { getopt, uintArg, UsageError } from './getopt.js';
import { createInstance, type CreateOptions } from '../instance/online.js';

export const usage = '[ -d | -D ] [ -f ] [ -P ] [ -t timeout ] service instancename';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'dDfPt:');
  const o: CreateOptions = { asOwner: true, blocking: true };
  for (const [k, v] of opts) {
    if (k === 'd') { o.down = true; o.removeDown = true; }
    else if (k === 'D') { o.down = true; o.removeDown = false; }
    else if (k === 'f') o.force = true;
    else if (k === 'P') o.publicEvents = true;
    else if (k === 't') o.timeout = uintArg(v);
  }
  if (rest.length < 2) throw new UsageError();
  await createInstance(rest[0], rest[1], o);
  return 0;
}
