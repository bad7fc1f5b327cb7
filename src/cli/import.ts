// hexad import pm2 ECOSYSTEM [-o OUT] [-f] [--env NAME]: writes an equivalent hexad config and
// lists, on stderr, what it could not map.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getopt, UsageError } from './getopt.js';
import { Fatal } from '../s6/diag.js';
import { readConfigValue } from '../config/load.js';
import { importPm2 } from '../config/pm2.js';
import { ConfigError, validateConfig } from '../config/schema.js';

export const usage = 'pm2 ecosystem-file [ -o hexad.config.json ] [ -f ] [ --env name ]';

export default async function main(args: string[]): Promise<number> {
  if (args[0] !== 'pm2') throw new UsageError();
  const { opts, rest } = getopt(args.slice(1), 'o:f', [{ name: 'env', arg: true }]);
  if (rest.length !== 1) throw new UsageError();
  const o = Object.fromEntries(opts) as Record<string, string | undefined>;
  const src = resolve(rest[0]);
  if (!existsSync(src)) throw new Fatal(100, `${rest[0]}: no such file`);
  const out = resolve(o.o ?? 'hexad.config.json');
  if (existsSync(out) && !('f' in o)) throw new Fatal(100, `${out} exists (use -f to overwrite)`);
  const { config, unmapped } = importPm2(await readConfigValue(src), o.env);
  try {
    validateConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new Fatal(100, `${src}: the imported config is not valid: ${e.message}`);
    throw e;
  }
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n');
  renameSync(tmp, out);
  process.stdout.write(`${out}: ${config.apps.length} app${config.apps.length === 1 ? '' : 's'} imported from ${src}\n`);
  for (const u of unmapped) process.stderr.write(`hexad import: not mapped: ${u}\n`);
  return 0;
}
