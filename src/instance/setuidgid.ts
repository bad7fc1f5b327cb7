// The helper behind generated run scripts with -u / -l: as root, give some directories to
// the account, then become it (s6-setuidgid's job in s6's scripts). The command that follows
// runs in the same process: an exec from Node would lose the inherited descriptors (Node marks
// them close-on-exec at start-up), the readiness fd 3 among them.
import { Fatal, fatalSys } from '../s6/diag.js';
import { becomeUser, lookupUser, ownDir } from './user.js';

/** Parses `USER [--own DIR]… [--] COMMAND ARGS…`, does the switch, returns the command. */
export function switchUser(args: string[]): string[] {
  const user = args[0];
  let i = 1;
  const own: string[] = [];
  while (args[i] === '--own' && i + 1 < args.length) {
    own.push(args[i + 1]);
    i += 2;
  }
  if (args[i] === '--') i++;
  const command = args.slice(i);
  if (!user || !command.length) throw new Fatal(100, 'usage: --setuidgid USER [--own DIR]... -- COMMAND ARGS...');
  const a = lookupUser(user);
  if (!a) throw new Fatal(1, `unknown user: ${user}`);
  // already that user (a tree run by the user itself): nothing to switch
  if (process.geteuid!() === a.uid && process.getegid!() === a.gid) return command;
  for (const dir of own) {
    try {
      ownDir(dir, a);
    } catch (e) {
      throw fatalSys(111, `give ${dir} to ${user}`, e);
    }
  }
  try {
    becomeUser(a);
  } catch (e) {
    throw fatalSys(111, `become ${user}`, e);
  }
  return command;
}
