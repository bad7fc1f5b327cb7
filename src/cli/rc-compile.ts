import { getopt, uintArg, UsageError } from './getopt.js';
import { compile } from '../rc/compile.js';

export const usage = '[ -v verbosity ] [ -h fdholder_user ] [ -b ] destdir sources...';

export default function main(args: string[], prog: string): number {
  // -u and -g were removed from s6-rc-compile in 0.5.0.0 and die with usage, as there
  const { opts, rest } = getopt(args, 'v:h:b');
  let verbosity = 1;
  let fdholderUser: string | undefined;
  for (const [k, v] of opts) {
    if (k === 'v') verbosity = uintArg(v);
    else if (k === 'h') fdholderUser = v;
  }
  if (rest.length < 2) throw new UsageError();
  const [dest, ...sources] = rest;
  compile(dest, sources, {
    verbosity,
    fdholderUser,
    warn: (m) => process.stderr.write(`${prog}: warning: ${m}\n`),
    info: (m) => process.stderr.write(`${prog}: info: ${m}\n`),
  });
  return 0;
}
