import { getopt, uintArg, UsageError } from './getopt.js';
import { fatalSys } from '../s6/diag.js';
import { MAX_DEATH_TALLY, readDeathTally } from '../s6/dtally.js';
import { signalName } from '../s6/signals.js';
import { tainLabel } from '../s6/tai.js';

export const usage = '[ -S | -s ] [ -n maxentries ] servicedir';

export default function main(args: string[]): number {
  const { opts, rest } = getopt(args, 'Ssn:');
  let numeric = false;
  let n = MAX_DEATH_TALLY;
  for (const [o, v] of opts) {
    if (o === 'S') numeric = false;
    else if (o === 's') numeric = true;
    else n = uintArg(v);
  }
  if (!rest.length) throw new UsageError();
  n = Math.min(n, MAX_DEATH_TALLY);
  if (!n) return 0;
  let tally;
  try {
    tally = readDeathTally(rest[0], n);
  } catch (e) {
    throw fatalSys(111, `read death tally for service ${rest[0]}`, e);
  }
  const lines = tally.map((d) => `${tainLabel(d.stamp)} ${d.sig ? `signal ${numeric ? d.sig : signalName(d.sig)}` : `exitcode ${d.exitCode}`}\n`);
  process.stdout.write(lines.join(''));
  return 0;
}
