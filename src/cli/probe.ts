import { getopt, UsageError } from './getopt.js';
import { layout, rootFromEnv } from '../init/layout.js';
import { probeLive, probeReady } from '../init/probe.js';

export const usage = '[ --root dir | --scandir dir ] ready [ service... ] | live';

/** Exit 0 when ready (or live), 1 with one line saying what is not, 100 on bad usage. */
export default function main(args: string[]): number {
  const { opts, rest } = getopt(args, 'r:s:', [{ name: 'root', arg: true, key: 'r' }, { name: 'scandir', arg: true, key: 's' }]);
  let root = rootFromEnv();
  let scanDir: string | null = null;
  for (const [o, v] of opts) {
    if (o === 'r') root = v!;
    else if (o === 's') scanDir = v!;
  }
  const [what, ...names] = rest;
  const l = layout(root);
  if (scanDir) l.scanDir = scanDir;
  let r;
  if (what === 'ready') r = probeReady(l, names, scanDir !== null);
  else if (what === 'live' && !names.length) r = probeLive(l, scanDir !== null);
  else throw new UsageError();
  (r.ok ? process.stdout : process.stderr).write(`hexad probe: ${r.why}\n`);
  return r.ok ? 0 : 1;
}
