import { join } from 'node:path';
import { UsageError } from './getopt.js';
import { execve } from '../native/index.js';
import { Fatal, fatalSys } from '../s6/diag.js';
import { loadContainerEnv } from '../init/contenv.js';
import { layout, rootFromEnv } from '../init/layout.js';
import { lookPath } from '../init/stages.js';
import { envList } from '../init/contenv.js';

export const usage = 'prog [ args... ]';

/** Runs PROG with the container environment hexad init saved at start, over the current one
 * (s6-overlay's with-contenv; a no-op with S6_KEEP_ENV=1). The program replaces this process,
 * so a supervised `run` keeps its pid. */
export default function main(args: string[]): number {
  if (!args.length) throw new UsageError();
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (process.env.S6_KEEP_ENV !== '1') {
    const dir = layout(rootFromEnv()).containerEnv;
    try {
      Object.assign(env, loadContainerEnv(dir));
    } catch (e) {
      throw fatalSys(111, `read the container environment in ${dir}`, e);
    }
  }
  const path = lookPath(args[0], env.PATH, process.cwd());
  if (!path) throw new Fatal(127, `unable to exec ${args[0]}: not found or not executable`);
  try {
    execve(path, args, envList(env));
  } catch (e) {
    throw fatalSys(111, `exec ${join(path)}`, e);
  }
  return 111;
}
