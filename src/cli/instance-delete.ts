import { getopt, uintArg, UsageError } from './getopt.js';
import { deleteInstance, type DeleteOptions } from '../instance/online.js';

export const usage = '[ -X ] [ -t timeout ] service instancename';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'Xt:');
  const o: DeleteOptions = { wait: true, asOwner: true, blocking: true };
  for (const [k, v] of opts) {
    if (k === 'X') o.wait = false;
    else if (k === 't') o.timeout = uintArg(v);
  }
  if (rest.length < 2) throw new UsageError();
  await deleteInstance(rest[0], rest[1], o);
  return 0;
}
