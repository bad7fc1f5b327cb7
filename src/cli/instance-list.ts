import { getopt, UsageError } from './getopt.js';
import { listInstanceNames } from '../instance/online.js';
import { fatalSys } from '../s6/diag.js';

export const usage = 'service';

export default function main(args: string[]): number {
  const { rest } = getopt(args, '');
  if (!rest.length) throw new UsageError();
  const names = listInstanceNames(rest[0]);
  try {
    if (names.length) process.stdout.write(names.join('\n') + '\n');
  } catch (e) {
    throw fatalSys(111, 'write to stdout', e);
  }
  return 0;
}
