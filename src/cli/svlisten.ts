import { getopt, UsageError } from './getopt.js';
import { Fatal, stderrWarner } from '../s6/diag.js';
import { deadlineAfter, SvListener } from '../s6/svlisten.js';
import { parseWantFlag } from './want-flags.js';
import { spawnProgram } from './spawn-program.js';

export const usage = '[ -U | -u | -d | -D | -r | -R ] [ -a | -o ] [ -t timeout ] servicedir... "" prog...';

export default async function main(args: string[], prog: string): Promise<number> {
  const { opts, rest } = getopt(args, 'uUdDrRaot:');
  const w = parseWantFlag(opts);
  if (rest.length < 3) throw new UsageError();
  const end = rest.indexOf('');
  if (end === 0 || end === rest.length - 1) throw new UsageError();
  if (end < 0) throw new Fatal(100, 'unterminated servicedir block');
  // execline block syntax: a leading space quotes an element
  const dirs = rest.slice(0, end).map((d) => (d.startsWith(' ') ? d.slice(1) : d));
  if (w.restart && w.or) {
    w.or = false;
    stderrWarner(prog)(`-o is unsupported when combined with -${w.ready ? 'R' : 'r'}- using -a instead`);
  }
  const deadline = deadlineAfter(w.timeout);
  const listener = new SvListener(dirs);
  try {
    await spawnProgram(rest.slice(end + 1));
    const want = { up: w.up, ready: w.ready, or: w.or };
    const e = w.restart
      ? await listener.waitRestart(want, deadline, { up: false, ready: true, or: w.or })
      : await listener.wait(want, deadline);
    if (e) throw new Fatal(e, 'some services reported permanent failure or their supervisor died');
    return 0;
  } finally {
    listener.close();
  }
}
