import { getopt, UsageError } from './getopt.js';
import { parseWantFlag } from './want-flags.js';
import { deadlineAfter, listenOne } from '../s6/svlisten.js';
import { spawnProgram } from './spawn-program.js';

export const usage = '[ -U | -u | -d | -D | -r | -R ] [ -t timeout ] servicedir prog...';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'uUdDrRt:');
  const w = parseWantFlag(opts);
  if (rest.length < 2) throw new UsageError();
  const dir = rest[0];
  await listenOne(dir, w, w.restart, deadlineAfter(w.timeout), () => spawnProgram(rest.slice(1)));
  return 0;
}
