import { UsageError } from './getopt.js';
import { fatalSys } from '../s6/diag.js';
import { writeDeathTally } from '../s6/dtally.js';

export const usage = 'servicedir';

export default function main(args: string[]): number {
  if (!args.length) throw new UsageError();
  try {
    writeDeathTally(args[0], []);
  } catch (e) {
    throw fatalSys(111, `clear death tally for service ${args[0]}`, e);
  }
  return 0;
}
