// hexad logs [-c FILE] [-f] [-n N] [--since T] [--json] [APP…]: the apps' logs merged in time
// order, archives included, local times, one colour per app.
import { getopt, parseUint, UsageError } from './getopt.js';
import { appContext, checkNames, writeOut } from './app-common.js';
import { Fatal } from '../s6/diag.js';
import { parseSince, readLogs, type LogRecord, type LogSource } from '../config/logs.js';
import { logSources } from '../config/api-helpers.js';

export const usage = '[ -c configfile ] [ -f ] [ -n lines ] [ --since time ] [ --json ] [ --no-color ] [ app... ]';

const PALETTE = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92];

function localTime(ms: number | null): string {
  if (ms === null) return '-'.padEnd(23);
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'c:fn:', [{ name: 'since', arg: true }, { name: 'json', arg: false }, { name: 'no-color', arg: false }, { name: 'lines', arg: true, key: 'n' }, { name: 'follow', arg: false, key: 'f' }]);
  let file: string | undefined, follow = false, lines: number | undefined = 20, since: number | undefined, json = false, noColour = false;
  for (const [k, v] of opts) {
    if (k === 'c') file = v;
    else if (k === 'f') follow = true;
    else if (k === 'n') { const n = parseUint(v); if (n === null) throw new UsageError(); lines = n; }
    else if (k === 'since') { const t = parseSince(v!); if (t === null) throw new Fatal(100, `invalid time: ${v}`); since = t; lines = undefined; }
    else if (k === 'json') json = true;
    else if (k === 'no-color') noColour = true;
  }
  if (opts.some(([k]) => k === 'n') && since !== undefined) lines = Number(opts.find(([k]) => k === 'n')![1]);
  const ctx = await appContext(file);
  checkNames(ctx, rest);
  const sources: LogSource[] = logSources(ctx.lc, rest);
  const colour = !json && !noColour && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const width = Math.max(...sources.map((s) => s.app.length), 1);
  const colours = new Map(sources.map((s, i) => [s.app, PALETTE[i % PALETTE.length]]));
  const fmt = (r: LogRecord): string => {
    if (json) return JSON.stringify({ app: r.app, time: r.time === null ? null : new Date(r.time).toISOString(), line: r.line }) + '\n';
    const head = `${localTime(r.time)} ${r.app.padEnd(width)} |`;
    return `${colour ? `\x1b[${colours.get(r.app)}m${head}\x1b[0m` : head} ${r.line}\n`;
  };
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  process.stdout.on('error', () => ac.abort());
  let buf = '';
  for await (const r of readLogs(sources, { lines, since, follow, signal: ac.signal })) {
    buf += fmt(r);
    if (buf.length > 65536 || follow) {
      await writeOut(buf);
      buf = '';
    }
  }
  await writeOut(buf);
  return 0;
}
