import { join } from 'node:path';
import { UsageError } from './getopt.js';
import { fatalSys } from '../s6/diag.js';
import { isLocked } from '../s6/lockfile.js';

export const usage = 'servicedir';

export default function main(args: string[]): number {
  if (args.length < 1) throw new UsageError();
  try {
    return isLocked(join(args[0], 'supervise', 'lock')) ? 0 : 1;
  } catch (e) {
    throw fatalSys(111, `check ${args[0]}`, e);
  }
}
