import { accessSync } from 'node:fs';
import { join } from 'node:path';
import { getopt, uintArg, UsageError } from './getopt.js';
import { Fatal, fatalSys, stderrWarner } from '../s6/diag.js';
import { writeControl } from '../s6/control.js';
import { deadlineAfter, listenOne } from '../s6/svlisten.js';

export const usage = '[ -wu | -wU | -wd | -wD | -wr | -wR ] [ -T timeout ] [ -abqhkti12pcyroduDUxOQ ] servicedir';

const COMMAND_LETTERS = 'abqhkti12pcyroduDUxOQ';
const MAX_COMMANDS = 62;

/** The state `-wX` waits for, and whether it first waits for a restart's down-and-ready. */
export function waitSpec(letter: string): { want: { up: boolean; ready: boolean }; restart: boolean } {
  return { want: { up: 'uUrR'.includes(letter), ready: 'UDR'.includes(letter) }, restart: letter === 'r' || letter === 'R' };
}

export default async function main(args: string[], prog: string): Promise<number> {
  const { opts, rest } = getopt(args, COMMAND_LETTERS + 'T:w:');
  let commands = '';
  let timeout = 0;
  let wait = '';
  for (const [o, arg] of opts) {
    if (o === 'T') timeout = uintArg(arg);
    else if (o === 'w') {
      if (!arg || !'dDuUrR'.includes(arg[0])) throw new UsageError();
      wait = arg[0];
    } else {
      if (commands.length >= MAX_COMMANDS) throw new Fatal(100, 'too many commands');
      commands += o;
    }
  }
  if (!rest.length) throw new UsageError();
  const warn = stderrWarner(prog);
  if (rest.length > 1) warn('ignoring extra arguments');
  const dir = rest[0];
  if (!dir) throw new Fatal(100, 'invalid service path');

  if (wait === 'U' || wait === 'R') {
    const fn = join(dir, 'notification-fd');
    try {
      accessSync(fn);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fatalSys(111, `access ${fn}`, e);
      wait = wait === 'U' ? 'u' : 'r';
      warn(`${fn} not present - ignoring request for readiness notification`);
    }
  }
  if (!wait) {
    sendCommands(dir, commands);
    return 0;
  }
  // -w: subscribe first, then send, then wait (what s6-svlisten1 does for s6-svc)
  const { want, restart } = waitSpec(wait);
  await listenOne(dir, want, restart, deadlineAfter(timeout), () => {
    if (commands) sendCommands(dir, commands);
  });
  return 0;
}

export function sendCommands(dir: string, commands: string): void {
  const r = writeControl(dir, 'supervise', commands);
  switch (r.kind) {
    case 'ok': return;
    case 'not-listening': throw new Fatal(100, `unable to control ${dir}: supervisor not listening`);
    case 'bad-dir': throw new Fatal(100, `something is wrong with the ${dir}/supervise directory`);
    case 'error': throw fatalSys(111, `control ${dir}`, r.error);
  }
}
