import { join } from 'node:path';
import { getopt, uintArg, UsageError } from './getopt.js';
import svc from './svc.js';
import { checkInstanceName } from '../instance/names.js';
import { actAsOwner } from '../instance/online.js';
import { Fatal } from '../s6/diag.js';

export const usage = '[ -wu | -wU | -wd | -wD | -wr | -wR ] [ -T timeout ] [ -abqhkti12pcyroduDUxO ] service instancename';

const MAX_COMMANDS = 62;

/** s6-instance-control: checks its own options, then runs svc on SERVICE/instance/NAME. */
export default function main(args: string[], prog: string): Promise<number> {
  const { opts, rest } = getopt(args, 'abqhkti12pcyroduDUxOT:w:');
  let commands = 0;
  for (const [o, v] of opts) {
    if (o === 'T') uintArg(v);
    else if (o === 'w') {
      if (!v || !'dDuUrR'.includes(v[0])) throw new UsageError();
    } else if (++commands > MAX_COMMANDS) throw new Fatal(100, 'too many commands');
  }
  if (rest.length < 2) throw new UsageError();
  const [service, name] = rest;
  if (!service) throw new Fatal(100, 'invalid service name');
  checkInstanceName(name);
  // root on an instanced service of another user (-u): subscribe as that user, or its
  // supervisors could not write to root's event FIFOs
  if (opts.some(([o]) => o === 'w')) actAsOwner(join(service, 'instance'));
  return svc([...args.slice(0, args.length - rest.length), join(service, 'instance', name)], prog);
}
