// The scripts instance-maker writes: /bin/sh, hexad called by absolute path with the node
// that runs this installation, every user-given value single-quoted.
import { fileURLToPath } from 'node:url';
import { shQuote } from './names.js';

export const HEXAD_BIN = fileURLToPath(new URL('../../../bin/hexad.js', import.meta.url));

/** The hidden option of `hexad instance-maker` that runs a hexad command as another user. */
export const SETUIDGID = '--setuidgid';

/** `exec node hexad COMMAND…`, through the privilege-dropping helper when `user` is set; the
 * helper first gives the directories in `own` to that user (creating them if needed). */
function hexadCommand(words: string[], user: string | undefined, own: string[]): string {
  const head = [shQuote(process.execPath), shQuote(HEXAD_BIN)];
  if (user) {
    head.push('instance-maker', SETUIDGID, shQuote(user));
    for (const d of own) head.push('--own', shQuote(d));
    head.push('--');
  }
  return `exec ${[...head, ...words].join(' ')}\n`;
}

/** The instanced service's run: a nested svscan on instance/, ready on fd 3, stderr on stdout. */
export function instanceRun(max: number, user?: string): string {
  return '#!/bin/sh\n'
    + '# hexad instance-maker: the supervision tree of the instances (hexad instance-create adds them)\n'
    + 'exec 2>&1\n'
    + hexadCommand(['svscan', '-d3', `-c${max}`, '--', 'instance'], user, ['instance', 'instances']);
}

export interface LoggerSettings {
  logdir: string;
  /** 0 none, 1 TAI64N, 2 ISO 8601, 3 both */
  stamp: number;
  nfiles: number;
  filesize: bigint;
  maxsize: bigint;
  prefix?: string;
  loguser?: string;
}

/** The catch-all logger's run: `hexad log -bd3 -- [t] [T] nN sN [SN] [pPREFIX] LOGDIR`. */
export function loggerRun(l: LoggerSettings): string {
  const script: string[] = [];
  if (l.stamp & 1) script.push('t');
  if (l.stamp & 2) script.push('T');
  script.push(`n${l.nfiles}`, `s${l.filesize}`);
  if (l.maxsize) script.push(`S${l.maxsize}`);
  if (l.prefix !== undefined) script.push(shQuote(`p${l.prefix}`));
  script.push(shQuote(l.logdir));
  return '#!/bin/sh\n' + hexadCommand(['log', '-bd3', '--', ...script], l.loguser, [l.logdir]);
}
