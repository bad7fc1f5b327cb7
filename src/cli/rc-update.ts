import { getopt, uintArg, UsageError } from './getopt.js';
import { canonPath, DEFAULT_LIVE } from '../rc/live.js';
import { rcUpdate } from '../rc/update.js';

export const usage = '[ -n ] [ -v verbosity ] [ -t timeout ] [ -l live ] [ -f conversion_file ] [ -b ] newdb';

export default async function main(args: string[], prog: string): Promise<number> {
  const { opts, rest } = getopt(args, 'v:t:nl:f:b');
  let verbosity = 1, timeout = 0, dryRun = false, live = DEFAULT_LIVE, convFile = '/dev/null', blocking = false;
  for (const [k, v] of opts) {
    if (k === 'v') verbosity = uintArg(v);
    else if (k === 't') timeout = uintArg(v);
    else if (k === 'n') dryRun = true;
    else if (k === 'l') live = v!;
    else if (k === 'f') convFile = v!;
    else if (k === 'b') blocking = true;
  }
  if (!rest.length) throw new UsageError();
  return rcUpdate({
    live: canonPath(live), newCompiled: canonPath(rest[0]), convFile, dryRun, verbosity, timeout, blocking,
    rcName: prog.startsWith('hexad ') ? 'hexad rc' : 's6-rc',
    out: {
      warn: (m) => process.stderr.write(`${prog}: warning: ${m}\n`),
      info: (m) => process.stderr.write(`${prog}: info: ${m}\n`),
      dry: (line) => process.stdout.write(line + '\n'),
    },
  });
}
