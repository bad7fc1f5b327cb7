// The helper behind generated run scripts with -u / -l: as root, give some directories to
// the account, become it, then exec `hexad COMMAND…` (s6-setuidgid's job in s6's scripts).
import { execve } from '../native/index.js';
import { Fatal, fatalSys } from '../s6/diag.js';
import { HEXAD_BIN } from './scripts.js';
import { becomeUser, lookupUser, ownDir } from './user.js';

/** args: USER [--own DIR]… -- COMMAND ARGS… */
export function setuidgidExec(args: string[]): never {
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
  const env = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  try {
    return execve(process.execPath, [process.execPath, HEXAD_BIN, ...command], env);
  } catch (e) {
    throw fatalSys(111, `exec ${process.execPath}`, e);
  }
}
