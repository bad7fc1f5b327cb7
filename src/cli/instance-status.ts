import { join } from 'node:path';
import { getopt, UsageError } from './getopt.js';
import svstat from './svstat.js';
import { checkInstanceName } from '../instance/names.js';
import { Fatal } from '../s6/diag.js';

export const usage = '[ -uwNrpest | -o up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownsince,readysince,updownfor,readyfor ] [ -n ] service instancename';

const MAX_FIELDS = 16;

/** s6-instance-status: checks its own options, then runs svstat on SERVICE/instance/NAME. */
export default function main(args: string[]): number {
  const { opts, rest } = getopt(args, 'no:uwNrpest');
  let fields = 0;
  for (const [o, v] of opts) {
    if (o === 'n') continue;
    // -o a,b,c counts one field per name (a trailing comma is allowed, an empty name is not)
    const names = o === 'o' ? v!.replace(/,$/, '').split(',') : [o];
    for (const f of names) {
      if (!f) throw new Fatal(100, 'invalid null option field');
      if (++fields > MAX_FIELDS) throw new Fatal(100, 'too many option fields');
    }
  }
  if (rest.length < 2) throw new UsageError();
  const [service, name] = rest;
  if (!service) throw new Fatal(100, 'invalid service name');
  checkInstanceName(name);
  return svstat([...args.slice(0, args.length - rest.length), join(service, 'instance', name)]);
}
