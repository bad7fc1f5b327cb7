import { getopt, UsageError } from './getopt.js';
import { Fatal, errText } from '../s6/diag.js';
import { loadDb } from '../rc/db.js';
import { DB_COMMANDS, dbHelp, dbQuery } from '../rc/dbquery.js';
import { canonPath, DEFAULT_LIVE, takeLock } from '../rc/live.js';

export const usage = '[ -u | -d ] [ -l live ] [ -c compiled ] [ -b ] command... (use rc-db help for more information)';

const LISTS = ['all', 'services', 'oneshots', 'longruns', 'bundles'];

export default function main(args: string[], prog: string): number {
  const { opts, rest } = getopt(args, 'udl:c:b');
  let live = DEFAULT_LIVE, compiled: string | undefined, up = true, blocking = false;
  for (const [k, v] of opts) {
    if (k === 'l') live = v!;
    else if (k === 'c') compiled = v!;
    else if (k === 'u') up = true;
    else if (k === 'd') up = false;
    else if (k === 'b') blocking = true;
  }
  const command = rest[0];
  if (!command || !(DB_COMMANDS as readonly string[]).includes(command)) throw new UsageError();
  if (command === 'help') {
    process.stdout.write(dbHelp(prog));
    return 0;
  }
  if (command !== 'check' && rest.length < 2) throw new UsageError();
  if (command === 'list' && !LISTS.includes(rest[1])) throw new UsageError();
  const dir = canonPath(compiled ?? `${canonPath(live)}/compiled`);
  try {
    takeLock(`${dir}/lock`, 'r', blocking);
  } catch (e) {
    throw new Fatal(111, `unable to take lock on ${dir}: ${errText(e)}`);
  }
  const db = loadDb(dir);
  process.stdout.write(dbQuery(db, dir, command, rest.slice(1), up));
  return 0;
}
