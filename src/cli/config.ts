// hexad config check|print [-c FILE]: validate the config, or show what it compiles to.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getopt, UsageError } from './getopt.js';
import { loadConfig } from '../config/load.js';
import { compileConfig } from '../config/compile.js';
import { rmrf } from '../s6/tree.js';
import { writeOut } from './app-common.js';

export const usage = 'check|print [ -c configfile ] [ --json ]';

function readTree(dir: string, rel = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...readTree(p, `${rel}${n}/`));
    else out.push([`${rel}${n}`, readFileSync(p, 'utf8')]);
  }
  return out;
}

export default async function main(args: string[]): Promise<number> {
  const sub = args[0];
  if (sub !== 'check' && sub !== 'print') throw new UsageError();
  const { opts, rest } = getopt(args.slice(1), 'c:', [{ name: 'json', arg: false }]);
  if (rest.length) throw new UsageError();
  const file = opts.find(([k]) => k === 'c')?.[1];
  const json = opts.some(([k]) => k === 'json');
  const lc = await loadConfig(file);
  // compiling is part of checking (rc's own checks); the result is removed again
  const { dir, compiled } = compileConfig(lc);
  try {
    if (sub === 'check') {
      process.stdout.write(`${lc.file}: ok, ${lc.config.apps.length} app${lc.config.apps.length === 1 ? '' : 's'}\n`);
    } else if (json) {
      await writeOut(JSON.stringify({ config: lc.config, compiled, sources: Object.fromEntries(readTree(join(dir, 'src'))) }, null, 2) + '\n');
    } else {
      await writeOut(readTree(join(dir, 'src')).map(([p, t]) => `==> ${p} <==\n${t}${t.endsWith('\n') ? '' : '\n'}`).join('\n'));
    }
  } finally {
    rmrf(dir);
  }
  return 0;
}
