import { mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './getopt.js';
import { fatalSys } from '../s6/diag.js';
import { COMMANDS } from './commands.js';

export const usage = 'DIR';

const BIN = fileURLToPath(new URL('../../../bin/hexad.js', import.meta.url));

/** Creates DIR/hexad and one link per s6/einhorn tool name, all pointing at hexad's entry. */
export default function main(args: string[]): number {
  if (args.length !== 1) throw new UsageError();
  // `links --help` would otherwise create a directory named --help
  if (args[0].startsWith('-')) throw new UsageError();
  const dir = resolve(args[0]);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fatalSys(111, `mkdir ${dir}`, e);
  }
  const names = ['hexad', ...Object.values(COMMANDS).flatMap((c) => c.links)];
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (readlinkSync(path) === BIN) continue;
      unlinkSync(path);
    } catch { /* absent */ }
    try {
      symlinkSync(BIN, path);
    } catch (e) {
      throw fatalSys(111, `symlink ${path}`, e);
    }
  }
  process.stdout.write(`${names.length} links in ${dir}\n`);
  return 0;
}
