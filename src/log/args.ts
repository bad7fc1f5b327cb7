// `hexad log`'s command line (s6-log's options), shared by the `log` command and by the
// scanner, which runs a logger whose `run` is just `exec hexad log …` in its own process.
import { getopt, uintArg, UsageError } from '../cli/getopt.js';
import { Fatal } from '../s6/diag.js';
import type { LoggerOptions } from './logger.js';

export const usage = '[ -d notif ] [ -q | -v ] [ -b ] [ -p ] [ -l linelimit ] [ -t lastlinetimeout ] [ -- ] logging_script';

/** Throws UsageError (no script) or Fatal 100 (a bad option value). */
export function parseLogArgs(args: string[], prog: string): LoggerOptions {
  const { opts, rest } = getopt(args, 'qvbpl:d:t:');
  let verbosity = 1;
  let block = false;
  let protect = false;
  let linelimit = 8192;
  let notif: number | null = null;
  let lastLineMs = 2000;
  for (const [o, v] of opts) {
    switch (o) {
      case 'q': if (verbosity) verbosity--; break;
      case 'v': verbosity++; break;
      case 'b': block = true; break;
      case 'p': protect = true; break;
      case 'l': linelimit = uintArg(v); break;
      case 't': lastLineMs = uintArg(v); break;
      case 'd':
        notif = uintArg(v);
        if (notif < 3) throw new Fatal(100, 'notification fd must be 3 or more');
        break;
    }
  }
  if (!rest.length) throw new UsageError();
  return { script: rest, notif, verbosity, block, protect, linelimit, lastLineMs, prog };
}
