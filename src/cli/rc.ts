import { getopt, uintArg, UsageError } from './getopt.js';
import { canonPath, DEFAULT_LIVE } from '../rc/live.js';
import { rc, rcHelp, type RcCommand } from '../rc/rc.js';
import { Fatal, writeOut } from '../s6/diag.js';

export const usage = '[ -v verbosity ] [ -n dryrunthrottle ] [ -t timeout ] [ -l live ] [ -b ] [ -u | -d | -D ] [ -p ] [ -a ] [ --json ] help|list|listall|diff|start|stop|change [ servicenames... ]';

const COMMANDS = ['help', 'list', 'listall', 'diff', 'change', 'start', 'stop'];

export default async function main(args: string[], prog: string): Promise<number> {
  const { opts, rest } = getopt(args, 'v:n:t:l:uDdpaXb', [{ name: 'json', arg: false }]);
  let verbosity = 1, dryRun: number | null = null, timeout = 0, live = DEFAULT_LIVE;
  let up = true, forceStop = false, prune = false, selectLive = false, locks = true, blocking = false, json = false;
  for (const [k, v] of opts) {
    switch (k) {
      case 'v': verbosity = uintArg(v); break;
      case 'n': dryRun = uintArg(v); break;
      case 't': timeout = uintArg(v); break;
      case 'l': live = v!; break;
      case 'u': up = true; break;
      case 'D': forceStop = true; up = false; break;
      case 'd': up = false; break;
      case 'p': prune = true; break;
      case 'a': selectLive = true; break;
      case 'X': locks = false; break;
      case 'b': blocking = true; break;
      case 'json': json = true; break;
    }
  }
  const sub = rest[0];
  if (!sub || !COMMANDS.includes(sub)) throw new UsageError();
  let names = rest.slice(1);
  if (names[0] === '--json' && ['list', 'listall', 'diff'].includes(sub)) {
    json = true;
    names = names.slice(1);
  }
  if (sub === 'help') {
    process.stdout.write(rcHelp(prog));
    return 0;
  }
  let command: RcCommand = sub as RcCommand;
  if (sub === 'start' || sub === 'stop') {
    command = 'change';
    up = sub === 'start';
    prune = false;
  }
  try {
    return await rc({
      live: canonPath(live), command, names, up, forceStop, prune, selectLive, verbosity, dryRun, timeout, locks, blocking, json,
      out: {
        warn: (m) => process.stderr.write(`${prog}: warning: ${m}\n`),
        info: (m) => process.stderr.write(`${prog}: info: ${m}\n`),
        dry: (line) => writeOut(line + '\n'),
      },
      stdout: writeOut,
    });
  } catch (e) {
    // s6-rc says only "unable to take locks: No such file or directory"; under its own name
    // hexad says which live directory it looked for
    if (e instanceof Fatal && prog !== 's6-rc' && e.message === 'unable to take locks: No such file or directory') {
      throw new Fatal(e.code, `unable to take locks on ${live}: no live state there (start hexad svscan, run hexad rc-init -l ${live}, or pass -l LIVE)`);
    }
    throw e;
  }
}
