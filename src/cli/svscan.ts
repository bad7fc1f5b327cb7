import { spawn } from 'node:child_process';
import { accessSync, fstatSync, closeSync, writeSync, constants as C } from 'node:fs';
import { getopt, parseUint, UsageError } from './getopt.js';
import { execve } from '../native/index.js';
import { Fatal, errText, fatalSys, stderrWarner } from '../s6/diag.js';
import { Scanner } from '../svscan/scanner.js';
import { settleMemory } from './daemon.js';
import { becomeSubreaper, listenForChildren } from '../supervise/reaper.js';
import { parseListenAddress, type ListenAddress } from '../http/address.js';

export const usage = '[ -R ] [ -c maxservices ] [ -t timeout ] [ -d notif ] [ -X consoleholder ] [ --http [host:]port|socket [ --http-token-file file ] ] [ dir ]';

/** Signals s6-svscan traps; all but ALRM and ABRT first try `.s6-svscan/SIG<NAME>`. */
const DIVERTED = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGPWR', 'SIGWINCH'] as const;

const LONG = [{ name: 'http', arg: true }, { name: 'http-token-file', arg: true }];

export default async function main(args: string[], prog: string): Promise<void> {
  const { opts, rest } = getopt(args, 'Rc:t:d:X:', LONG);
  let max = 500, rescan = 0, notif = -1, subreaper = false;
  let http: ListenAddress | null = null;
  let tokenFile: string | undefined;
  for (const [o, v] of opts) {
    if (o === 'R') { subreaper = true; continue; } // hexad only: become a child subreaper
    if (o === 'http') {
      http = parseListenAddress(v!);
      continue;
    }
    if (o === 'http-token-file') {
      tokenFile = v;
      continue;
    }
    const n = parseUint(v);
    if (n === null) throw new UsageError();
    if (o === 'c') max = n;
    else if (o === 't') rescan = n;
    else if (o === 'd') notif = n;
    // -X: the console holder only matters for a system's PID 1 logger; accepted and kept open
  }
  if (tokenFile !== undefined && !http) throw new Fatal(100, '--http-token-file needs --http');
  max = Math.min(Math.max(max, 2), 90000);
  if (notif >= 0) {
    if (notif < 3) throw new Fatal(100, 'notification fd must be 3 or more');
    try {
      fstatSync(notif);
    } catch (e) {
      throw new Fatal(100, `invalid notification fd: ${errText(e)}`);
    }
  }
  if (rest.length) {
    try {
      process.chdir(rest[0]);
    } catch (e) {
      throw fatalSys(111, 'chdir', e);
    }
  }
  const warn = stderrWarner(prog);
  // as PID 1 or a subreaper every orphan of the tree comes here to be reaped (supervise/reaper.ts)
  if (subreaper) {
    try {
      becomeSubreaper();
    } catch (e) {
      throw fatalSys(111, 'prctl PR_SET_CHILD_SUBREAPER', e);
    }
  }
  listenForChildren();
  const scanner = new Scanner({
    prog: prog === 's6-svscan' ? 's6-supervise' : 'hexad supervise',
    warn,
    maxServices: max,
    rescanMs: rescan,
    onStopped: () => execFinish(prog),
  });
  if (http) {
    // loaded only when asked: svscan without --http pays nothing for it. Listening comes
    // first, so an address in use stops the command before it touches the scan directory.
    const { startHttpServer } = await import('../http/server.js');
    await startHttpServer(scanner, { address: http, tokenFile });
  }
  scanner.init();
  process.on('SIGALRM', () => scanner.scan());
  process.on('SIGABRT', () => scanner.builtinSignal('SIGABRT'));
  process.on('SIGPIPE', () => { /* ignored */ });
  for (const sig of DIVERTED) process.on(sig, () => divert(sig, scanner, warn));
  process.on('uncaughtException', (e) => crash(prog, e));
  if (notif >= 0) {
    writeSync(notif, '\n');
    closeSync(notif);
  }
  scanner.start();
  settleMemory();
}

/** Runs `.s6-svscan/SIG<NAME>` when it exists; the built-in action otherwise. */
function divert(sig: string, scanner: Scanner, warn: (m: string) => void): void {
  const script = `.s6-svscan/${sig}`;
  try {
    accessSync(script, C.F_OK);
  } catch {
    scanner.builtinSignal(sig);
    return;
  }
  const child = spawn(script, [], { stdio: 'inherit' });
  if (child.pid === undefined) {
    child.once('error', (e) => {
      warn(`unable to spawn ${script}: ${errText(e)}`);
      scanner.builtinSignal(sig);
    });
    return;
  }
  child.on('error', () => { /* it ran */ });
}

function environ(): string[] {
  return Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
}

/** Execs `.s6-svscan/finish` (cwd = the scan directory, no arguments), or exits 0 without one. */
function execFinish(prog: string): void {
  const finish = '.s6-svscan/finish';
  try {
    execve(finish, [finish], environ());
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') process.exit(0);
    crash(prog, e, `unable to exec finish script ${finish}`);
  }
}

/** panic(): exec `.s6-svscan/crash`, or die 111. */
function crash(prog: string, e: unknown, what = 'survive an internal error'): never {
  process.stderr.write(`${prog}: warning: unable to ${what}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.stderr.write(`${prog}: warning: executing into .s6-svscan/crash\n`);
  try {
    execve('.s6-svscan/crash', ['.s6-svscan/crash'], environ());
  } catch (e2) {
    process.stderr.write(`${prog}: fatal: unable to exec .s6-svscan/crash: ${errText(e2)}\n`);
  }
  process.exit(111);
}
