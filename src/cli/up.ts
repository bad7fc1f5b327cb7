// hexad up [-d] [-c FILE] [--http ADDR] [APP…]: compile the config, start svscan on the state
// directory if needed, bring the graph up through rc. In the foreground (no -d) it shows a live
// status and brings everything down on SIGINT/SIGTERM.
import { getopt, UsageError } from './getopt.js';
import { appContext, checkNames } from './app-common.js';
import { compileConfig } from '../config/compile.js';
import { bringDown, bringUp } from '../config/runtime.js';
import { scanOverview } from '../status/collect.js';
import { renderTable } from '../status/render.js';

export const usage = '[ -d ] [ -c configfile ] [ -t timeout ] [ --http addr ] [ app... ]';

export default async function main(args: string[]): Promise<number | void> {
  const { opts, rest } = getopt(args, 'dc:t:', [{ name: 'http', arg: true }]);
  let detach = false, file: string | undefined, timeout = 0, http: string | undefined;
  for (const [k, v] of opts) {
    if (k === 'd') detach = true;
    else if (k === 'c') file = v;
    else if (k === 't') { timeout = Number(v); if (!Number.isInteger(timeout) || timeout < 0) throw new UsageError(); }
    else if (k === 'http') http = v;
  }
  const ctx = await appContext(file);
  checkNames(ctx, rest);
  const { dir } = compileConfig(ctx.lc);
  await bringUp(ctx.lc.stateDir, dir, rest, { http, timeout });
  const n = rest.length || ctx.lc.config.apps.filter((a) => a.autostart !== false).length;
  process.stderr.write(`hexad up: ${n} app${n === 1 ? '' : 's'} up (state in ${ctx.lc.stateDir})\n`);
  if (detach) return 0;
  // foreground: a live table until a signal, then down
  const tty = process.stdout.isTTY === true;
  const draw = (): void => {
    try {
      const t = renderTable(scanOverview(ctx.paths.scan), tty);
      process.stdout.write(tty ? `\x1b[H\x1b[2J${t}` : '');
    } catch { /* the scan directory is changing */ }
  };
  draw();
  const timer = setInterval(draw, 1000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  process.stderr.write('hexad up: bringing everything down\n');
  await bringDown(ctx.lc.stateDir);
  return 0;
}
