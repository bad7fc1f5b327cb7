import { getopt, UsageError } from './getopt.js';
import { parseWantFlag } from './want-flags.js';
import { Fatal } from '../s6/diag.js';
import { deadlineAfter, SvListener, type WantedState } from '../s6/svlisten.js';
import { spawnProgram } from './spawn-program.js';

export const usage = '[ -U | -u | -d | -D | -r | -R ] [ -t timeout ] servicedir prog...';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'uUdDrRt:');
  const w = parseWantFlag(opts);
  if (rest.length < 2) throw new UsageError();
  const dir = rest[0];
  const deadline = deadlineAfter(w.timeout);
  const listener = new SvListener([dir]);
  try {
    await spawnProgram(rest.slice(1));
    const want: WantedState = { up: w.up, ready: w.ready, or: true };
    const e = w.restart
      ? await listener.waitRestart(want, deadline, { up: false, ready: true, or: true })
      : await listener.wait(want, deadline);
    if (e) throw new Fatal(1, `${dir} failed permanently or its supervisor died`);
    return 0;
  } finally {
    listener.close();
  }
}
