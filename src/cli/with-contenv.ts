import { join } from 'node:path';
import { UsageError } from './getopt.js';
import { readdirSync, readlinkSync } from 'node:fs';
import { execve, setCloexec } from '../native/index.js';
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
  keepInheritedFds();
  try {
    execve(path, args, envList(env));
  } catch (e) {
    throw fatalSys(111, `exec ${join(path)}`, e);
  }
  return 111;
}

/** Node marks every descriptor it inherited close-on-exec at start (libuv's
 * uv_disable_stdio_inheritance), so a notification fd or a socket a supervisor gave the script
 * would not reach PROG. Give them back: all but Node's own (epoll, eventfd, io_uring: anonymous
 * inodes; its signal pipe: both ends held here). */
function keepInheritedFds(): void {
  const targets = new Map<number, string>();
  for (const n of readdirSync('/proc/self/fd')) {
    try { targets.set(Number(n), readlinkSync(`/proc/self/fd/${n}`)); } catch { /* the listing's own fd */ }
  }
  const count = new Map<string, number>();
  for (const t of targets.values()) count.set(t, (count.get(t) ?? 0) + 1);
  for (const [fd, t] of targets) {
    if (t.startsWith('anon_inode:') || (t.startsWith('pipe:') && count.get(t)! > 1) || t.startsWith('/proc/') || (fd > 2 && t === '/dev/null')) continue;
    try { setCloexec(fd, false); } catch { /* closed meanwhile */ }
  }
}
