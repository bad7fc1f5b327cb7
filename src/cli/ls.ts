// hexad ls [-c FILE] [--json]: the config's services with state, readiness, CPU and memory.
// Without a config file here (and no -c) it is `hexad status` of the given directory.
import { getopt, UsageError } from './getopt.js';
import { appContext, writeOut } from './app-common.js';
import { configOverview } from '../config/overview.js';
import { renderTable } from '../status/render.js';
import { findConfig } from '../config/load.js';
import status from './status.js';

export const usage = '[ -c configfile ] [ --json ] [ --color | --no-color ] [ scandir ]';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'c:', [{ name: 'json', arg: false }, { name: 'color', arg: false }, { name: 'no-color', arg: false }]);
  const file = opts.find(([k]) => k === 'c')?.[1];
  let haveConfig = file !== undefined;
  if (!haveConfig && !rest.length) {
    try { findConfig(undefined); haveConfig = true; } catch { /* plain status */ }
  }
  if (!haveConfig) return status(args);
  if (rest.length) throw new UsageError();
  const json = opts.some(([o]) => o === 'json');
  const colour = opts.some(([o]) => o === 'color') || (!opts.some(([o]) => o === 'no-color') && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const ctx = await appContext(file);
  const o = await configOverview(ctx.paths);
  await writeOut(json ? JSON.stringify(o, null, 2) + '\n' : renderTable(o, colour));
  return 0;
}
