import { getopt, uintArg, UsageError } from './getopt.js';
import { makeInstancedService, parseRcNames } from '../instance/maker.js';
import { HEXAD_BIN, SETUIDGID } from '../instance/scripts.js';
import { switchUser } from '../instance/setuidgid.js';
import type { LoggerSettings } from '../instance/scripts.js';

export const usage = '[ -c max ] [ -u user ] [ -l loguser ] [ -L logdir ] [ -t stamptype ] [ -n nfiles ] [ -s filesize ] [ -S maxsize ] [ -P prefix ] [ -r service[/logger[/pipeline]] ] template dir';

const U64_MAX = (1n << 64n) - 1n;

function u64Arg(v: string | undefined): bigint {
  if (v === undefined || !/^\d+$/.test(v)) throw new UsageError();
  const n = BigInt(v);
  if (n > U64_MAX) throw new UsageError();
  return n;
}

export default async function main(args: string[]): Promise<number | void> {
  // hidden: what generated run scripts use to run a hexad command as the -u / -l user
  if (args[0] === SETUIDGID) {
    const command = switchUser(args.slice(1));
    const { run } = await import('./main.js');
    return run([process.execPath, HEXAD_BIN, ...command]);
  }
  const { opts, rest } = getopt(args, 'u:l:L:c:t:n:s:S:P:r:');
  let user: string | undefined;
  let max = 500;
  let rc: string | undefined;
  let logdir: string | undefined;
  const log: Omit<LoggerSettings, 'logdir'> = { stamp: 1, nfiles: 10, filesize: 1000000n, maxsize: 0n };
  for (const [o, v] of opts) {
    switch (o) {
      case 'u': user = v; break;
      case 'l': log.loguser = v; break;
      case 'L': logdir = v; break;
      case 'c': max = uintArg(v); break;
      case 't': log.stamp = uintArg(v); break;
      case 'n': log.nfiles = uintArg(v); break;
      case 's': log.filesize = u64Arg(v); break;
      case 'S': log.maxsize = u64Arg(v); break;
      case 'P': log.prefix = v; break;
      case 'r': rc = v; break;
    }
  }
  if (rest.length < 2) throw new UsageError();
  const [template, dir] = rest;
  makeInstancedService({
    template,
    dir,
    max: Math.min(Math.max(max, 1), 90000),
    // as s6: an empty -u means no user switch
    user: user || undefined,
    logger: logdir !== undefined ? { ...log, logdir } : undefined,
    rc: rc !== undefined ? parseRcNames(rc, logdir !== undefined) : undefined,
  });
  return 0;
}
