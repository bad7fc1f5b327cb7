import { closeSync, openSync, constants as C } from 'node:fs';
import { UsageError } from './getopt.js';
import { dup2, execve, lock, setCloexec } from '../native/index.js';
import { errText, fatalSys, stderrWarner } from '../s6/diag.js';
import { Supervisor } from '../supervise/supervisor.js';
import { settleMemory } from './daemon.js';

export const usage = 'dir';

export default function main(args: string[], prog: string): number | void {
  if (args[0] === '--setlock-exec') return setlockExec(args.slice(1), prog);
  if (args.length < 1) throw new UsageError();
  const dir = args[0];
  try {
    process.chdir(dir);
  } catch (e) {
    throw fatalSys(111, `chdir to ${dir}`, e);
  }
  const name = `${prog} ${dir}`;
  const sup = new Supervisor({
    dir: '.',
    name: dir,
    prog: name,
    warn: stderrWarner(name),
    onExit: () => process.exit(0),
    onCloseStdio: reopenStdioOnDevNull,
  });
  sup.start();
  process.on('SIGTERM', () => sup.signal('term'));
  process.on('SIGHUP', () => sup.signal('hup'));
  process.on('SIGQUIT', () => sup.signal('quit'));
  process.on('SIGINT', () => sup.signal('int'));
  process.on('SIGPIPE', () => { /* ignored, as s6-supervise does */ });
  settleMemory();
}

/** closethem(): stdin and stdout on /dev/null, so a logger reading our stdout reaches EOF. */
function reopenStdioOnDevNull(): void {
  const r = openSync('/dev/null', C.O_RDONLY);
  const w = openSync('/dev/null', C.O_WRONLY);
  dup2(r, 0);
  dup2(w, 1);
  closeSync(r);
  closeSync(w);
}

/** `run` of a service with lock-fd N: take a write lock on the service lock file at fd N,
 * waiting for it, then exec run (s6-setlock's job in s6 HEAD). Args: N lockfile path argv0 args… */
function setlockExec(args: string[], prog: string): number {
  const [nText, lockPath, path, ...argv] = args;
  const n = Number(nText);
  try {
    const fd = openSync(lockPath, C.O_WRONLY | C.O_CREAT, 0o644);
    if (fd !== n) {
      dup2(fd, n);
      closeSync(fd);
    }
    setCloexec(n, false);
    lock(n, 'w', true);
    execve(path, argv, Object.entries(process.env).map(([k, v]) => `${k}=${v}`));
  } catch (e) {
    process.stderr.write(`${prog} (child): fatal: unable to exec ${path}: ${errText(e)}\n`);
  }
  return 127;
}
