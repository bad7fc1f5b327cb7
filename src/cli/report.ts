// How a command's failure reaches the person who ran it: one line, the documented exit code.
import { UsageError } from './getopt.js';
import { errText, Fatal, writeErr } from '../s6/diag.js';

export function report(e: unknown, prog: string, usage: string): number {
  if (e instanceof UsageError) {
    writeErr(`${prog}: usage: ${prog} ${usage}\n`);
    return 100;
  }
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'HEXAD_NO_ADDON') {
    writeErr(`${prog}: fatal: ${e.message}\n`);
    return 111;
  }
  if (e instanceof Fatal) {
    writeErr(`${prog}: fatal: ${e.message}\n`);
    return e.code;
  }
  // anything else is a bug or a system error nobody classified: still one line (the stack
  // only with HEXAD_DEBUG set)
  const err = e as NodeJS.ErrnoException;
  const what = err && typeof err === 'object' && err.syscall ? `unable to ${err.syscall}${err.path ? ` ${err.path}` : ''}: ${errText(err)}` : `internal error: ${errText(e)}`;
  writeErr(`${prog}: fatal: ${what}\n`);
  if (process.env.HEXAD_DEBUG && e instanceof Error && e.stack) writeErr(e.stack + '\n');
  return 111;
}
