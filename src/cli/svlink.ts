import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { getopt, uintArg, UsageError } from './getopt.js';
import { Fatal, errText, fatalSys, stderrWarner } from '../s6/diag.js';
import { isLocked } from '../s6/lockfile.js';
import { deadlineAfter } from '../s6/svlisten.js';
import { checkScandir, linkNames, TimeoutError, type LinkOptions } from '../svscan/link.js';

export const usage = '[ -d | -D ] [ -f ] [ -P ] [ -t timeout ] scandir servicedir [ name ]';

export default async function main(args: string[], prog: string): Promise<number> {
  const { opts, rest } = getopt(args, 'dDfPt:');
  const o: LinkOptions = {};
  let timeout = 0;
  for (const [k, v] of opts) {
    if (k === 'd') { o.down = true; o.removeDown = true; }
    else if (k === 'D') { o.down = true; o.removeDown = false; }
    else if (k === 'f') o.force = true;
    else if (k === 'P') o.publicEvents = true;
    else if (k === 't') timeout = uintArg(v);
  }
  if (rest.length < 2) throw new UsageError();
  const [scandir, dir] = rest;
  const name = rest[2] ?? basename(dir);
  if (!scandir) throw new Fatal(100, 'invalid scandir');
  if (!dir) throw new Fatal(100, 'invalid servicedir');
  if (!name || name[0] === '.' || name[0] === '/') throw new Fatal(100, 'invalid name');
  checkScandir(scandir);
  checkServiceDir(dir, stderrWarner(prog));
  try {
    await linkNames(scandir, [dir], [name], { ...o, deadline: deadlineAfter(timeout) });
  } catch (e) {
    const code = e instanceof TimeoutError ? 99 : 111;
    throw new Fatal(code, `unable to link servicedir ${dir} into scandir ${scandir} with name ${name}: ${errText(e)}`);
  }
  return 0;
}

function checkServiceDir(dir: string, warn: (m: string) => void): void {
  const checkRun = (d: string): void => {
    const fn = join(d, 'run');
    let mode: number;
    try {
      mode = statSync(fn).mode;
    } catch (e) {
      throw fatalSys(111, `stat ${fn}`, e);
    }
    if (!(mode & 0o100)) throw new Fatal(100, `${fn} is not executable`);
    if (isLocked(join(d, 'supervise', 'lock'))) warn(`supervisor already running on ${d}`);
  };
  checkRun(dir);
  const logDir = join(dir, 'log');
  try {
    if (!statSync(logDir).isDirectory()) throw new Fatal(100, `${logDir} is not a directory`);
  } catch (e) {
    if (e instanceof Fatal) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fatalSys(111, `stat ${logDir}`, e);
    return;
  }
  checkRun(logDir);
}
