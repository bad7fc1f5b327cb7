import { getopt, UsageError } from './getopt.js';
import { Fatal, fatalSys } from '../s6/diag.js';
import { writeControl } from '../s6/control.js';

export const usage = '[ -zabhitqnN ] svscandir';

export default function main(args: string[]): number {
  const { opts, rest } = getopt(args, 'zabhitqnN');
  if (!rest.length) throw new UsageError();
  const bytes = opts.map(([o]) => o).join('');
  if (bytes.length > 64) throw new Fatal(100, 'too many commands');
  const dir = rest[0];
  const r = writeControl(dir, '.s6-svscan', bytes);
  switch (r.kind) {
    case 'ok': return 0;
    case 'not-listening': throw new Fatal(100, `unable to control ${dir}: supervisor not listening`);
    case 'bad-dir': throw new Fatal(100, `something is wrong with the ${dir}/.s6-svscan directory`);
    case 'error': throw fatalSys(111, `control ${dir}`, r.error);
  }
}
