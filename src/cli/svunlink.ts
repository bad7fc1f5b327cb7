import { getopt, uintArg, UsageError } from './getopt.js';
import { Fatal, errText } from '../s6/diag.js';
import { deadlineAfter } from '../s6/svlisten.js';
import { unlinkNames } from '../svscan/link.js';

export const usage = '[ -X ] [ -t timeout ] scandir servicename';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'Xt:');
  let wait = true;
  let timeout = 0;
  for (const [k, v] of opts) {
    if (k === 'X') wait = false;
    else if (k === 't') timeout = uintArg(v);
  }
  if (rest.length < 2) throw new UsageError();
  const [scandir, name] = rest;
  if (!name || name[0] === '.' || name[0] === '/') throw new Fatal(100, 'invalid service name');
  try {
    await unlinkNames(scandir, [name], wait, deadlineAfter(timeout));
  } catch (e) {
    throw new Fatal(111, `unable to prepare unlinking of service ${name} in scandir ${scandir}: ${errText(e)}`);
  }
  return 0;
}
