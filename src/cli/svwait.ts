import { getopt, UsageError } from './getopt.js';
import { parseWantFlag } from './want-flags.js';
import { Fatal } from '../s6/diag.js';
import { deadlineAfter, SvListener } from '../s6/svlisten.js';

export const usage = '[ -U | -u | -d | -D | -r | -R ] [ -a | -o ] [ -t timeout ] servicedir...';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'UudDrRaot:');
  const { up, ready, restart, or, timeout } = parseWantFlag(opts);
  if (!rest.length) throw new UsageError();
  const deadline = deadlineAfter(timeout);
  const listener = new SvListener(rest);
  try {
    const want = { up, ready, or };
    const e = restart ? await listener.waitRestart(want, deadline) : await listener.wait(want, deadline);
    if (e) throw new Fatal(e, 'some services reported permanent failure or their supervisor died');
    return 0;
  } finally {
    listener.close();
  }
}
