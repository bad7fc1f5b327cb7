import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { getopt, UsageError } from './getopt.js';
import { Fatal, fatalSys } from '../s6/diag.js';
import { dirKind, scanOverview, singleOverview, type Overview } from '../status/collect.js';
import { renderTable } from '../status/render.js';
import { addUsage } from '../status/proc.js';

export const usage = '[ --json ] [ --color | --no-color ] [ scandir | servicedir ]';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, '', [
    { name: 'json', arg: false }, { name: 'color', arg: false }, { name: 'no-color', arg: false },
  ]);
  if (rest.length > 1) throw new UsageError();
  const json = opts.some(([o]) => o === 'json');
  const colour = opts.some(([o]) => o === 'color') || (!opts.some(([o]) => o === 'no-color') && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const dir = rest[0] ?? '.';
  if (!existsSync(dir)) throw new Fatal(111, `unable to open ${dir}: No such file or directory`);
  let overview: Overview;
  let kind: ReturnType<typeof dirKind>;
  try {
    kind = dirKind(dir);
  } catch (e) {
    throw fatalSys(111, `read ${dir}`, e);
  }
  if (kind === 'neither') {
    throw new Fatal(100, `${dir} is not a scan directory (no .s6-svscan, no service directory in it) nor a service directory (no run file)`);
  }
  try {
    overview = kind === 'scan'
      ? scanOverview(dir)
      : singleOverview(basename(dir), dir);
  } catch (e) {
    throw fatalSys(111, `read ${dir}`, e);
  }
  await addUsage(overview);
  await new Promise<void>((r) => process.stdout.write(json ? JSON.stringify(overview, null, 2) + '\n' : renderTable(overview, colour), () => r()));
  return 0;
}
