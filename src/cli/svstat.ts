import { accessSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getopt, UsageError } from './getopt.js';
import { Fatal, fatalSys, writeOut } from '../s6/diag.js';
import { isLocked } from '../s6/lockfile.js';
import { statusPath, unpackStatus } from '../s6/status.js';
import { fieldByLetter, fieldByName, humanLine, type StatusView } from '../s6/svstat.js';
import { packTain, taiNow } from '../s6/tai.js';

export const usage = '[ -uwNrpest | -o up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownsince,readysince,updownfor,readyfor ] [ -n ] servicedir';

const MAX_FIELDS = 16;

export default function main(args: string[]): number {
  const { opts, rest } = getopt(args, 'no:uwNrpest');
  let numeric = false;
  const fields: Array<(v: StatusView) => string> = [];
  const push = (f: (v: StatusView) => string): void => {
    if (fields.length >= MAX_FIELDS) throw new Fatal(100, 'too many option fields');
    fields.push(f);
  };
  for (const [o, arg] of opts) {
    if (o === 'n') numeric = true;
    else if (o === 'o') {
      for (const typed of arg!.split(',').filter((_, i, a) => i < a.length - 1 || a[i] !== '')) {
        if (!typed) throw new Fatal(100, 'invalid null option field');
        const f = fieldByName(typed);
        if (!f) throw new Fatal(100, `invalid option field: ${typed}`);
        push(f);
      }
    } else push(fieldByLetter(o)!);
  }
  if (!rest.length) throw new UsageError();
  const dir = rest[0];
  let supervised: boolean;
  try {
    supervised = isLocked(join(dir, 'supervise', 'lock'));
  } catch (e) {
    throw fatalSys(111, `check ${dir}`, e);
  }
  if (!supervised) throw new Fatal(1, `unable to read status for ${dir}: s6-supervise not running`);
  let status, raw: Buffer;
  try {
    raw = readFileSync(statusPath(dir));
    status = unpackStatus(raw);
  } catch (e) {
    throw fatalSys(111, `read status for ${dir}`, e);
  }
  const now = taiNow();
  if (status.stamp.sec > now.sec || (status.stamp.sec === now.sec && status.stamp.nsec > now.nsec)) {
    status.stamp = now;
    packTain(now, raw, 0);
  }
  let normallyUp: boolean;
  try {
    accessSync(join(dir, 'down'));
    normallyUp = false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fatalSys(111, `access ${dir}/down`, e);
    normallyUp = true;
  }
  const view = { status, normallyUp, now, raw };
  const line = fields.length ? fields.map((f) => f(view)).join(' ') : humanLine(view, numeric);
  writeOut(line + '\n');
  return 0;
}
