// hexad app-notify --fd N --pid PID [--owner UID:GID]: systemd's sd_notify readiness turned into
// s6's, the way skarnet's sdnotify-wrapper does it. A generated run script starts it
// double-forked inside a command substitution:
//
//   NOTIFY_SOCKET=$( ( hexad app-notify --fd 3 --pid $$ </dev/null & ) )
//
// It binds a UNIX datagram socket in a fresh 0700 directory, prints its path on stdout and then
// lets go of stdout (so the substitution ends, and the app only starts once the socket exists:
// an early READY=1 is never lost). The run script then closes fd N and execs the app, which
// therefore is the supervised pid. The listener waits for a datagram holding the line READY=1,
// writes s6's readiness newline on fd N, removes the socket and exits: it lives only until the
// app is ready (or gone: it gives up when PID disappears). A kill -9 of the listener leaves an
// empty-ish /tmp/hexad-notify-* directory behind and the service never ready; nothing else.
import { chownSync, closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as native from '../native/index.js';
import { Fatal } from '../s6/diag.js';
import { getopt, UsageError } from './getopt.js';
import { alive } from '../s6/signals.js';

export const usage = '--fd N --pid PID [ --owner UID:GID ]';

/** A process that has exited but is not reaped yet has ended for us too. */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** True when one datagram of sd_notify's NAME=value lines says READY=1. */
export const saysReady = (datagram: string): boolean => datagram.split('\n').some((l) => l.trim() === 'READY=1');

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, '', ['fd', 'pid', 'owner'].map((name) => ({ name, arg: true })));
  const o = Object.fromEntries(opts) as Record<string, string>;
  const fd = Number(o.fd), pid = Number(o.pid);
  if (rest.length || !(fd >= 3) || !(pid > 1)) throw new UsageError();
  const owner = o.owner ? /^(\d+):(\d+)$/.exec(o.owner) : null;
  if (o.owner && !owner) throw new UsageError();

  const dir = mkdtempSync(join(tmpdir(), 'hexad-notify-'));
  const path = join(dir, 'notify');
  let sock: number;
  try {
    sock = native.bindDgram(path);
    if (owner) {
      chownSync(dir, Number(owner[1]), Number(owner[2]));
      chownSync(path, Number(owner[1]), Number(owner[2]));
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Fatal(111, `unable to bind ${path}: ${(e as Error).message}`);
  }
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  writeSync(1, path + '\n');
  // let go of the substitution's pipe: the run script goes on as soon as it reads EOF
  const devnull = openSync('/dev/null', 'w');
  native.dup2(devnull, 1);
  closeSync(devnull);

  const buf = Buffer.alloc(4096);
  let idle = 0;
  for (;;) {
    let n = -1;
    try {
      n = readSync(sock, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
        cleanup();
        throw new Fatal(111, `unable to read ${path}: ${(e as Error).message}`);
      }
    }
    if (n >= 0) {
      if (saysReady(buf.toString('utf8', 0, n))) {
        cleanup();
        try {
          writeSync(fd, '\n');
          closeSync(fd);
        } catch {
          /* the supervisor is gone: nobody to tell */
        }
        return 0;
      }
      continue;
    }
    // poll: Node has no UNIX datagram handle, and a blocking read in the thread pool would keep
    // the process from exiting; 20 ms at first, 100 ms after a few seconds
    if (++idle % 10 === 0 && (!alive(pid) || zombie(pid))) {
      cleanup();
      return 1;
    }
    await new Promise((r) => setTimeout(r, idle < 200 ? 20 : 100));
  }
}
