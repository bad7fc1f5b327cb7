// Loaded with --import into Node apps whose readiness is PM2's `process.send('ready')`: when the
// process has no IPC channel (it runs under s6, not PM2), process.send('ready') writes the s6
// readiness newline on $HEXAD_READY_FD instead.
import { closeSync, writeSync } from 'node:fs';

const fd = Number(process.env.HEXAD_READY_FD);
delete process.env.HEXAD_READY_FD;
// children of the app must not load this again
if (process.env.NODE_OPTIONS) process.env.NODE_OPTIONS = process.env.NODE_OPTIONS.replace(/--import=\S*preload-ready\.js\s*/, '').trim();
if (fd >= 3 && typeof process.send !== 'function') {
  let done = false;
  (process as { send?: unknown }).send = (msg: unknown, ...rest: unknown[]): boolean => {
    if (msg === 'ready' && !done) {
      done = true;
      try {
        writeSync(fd, '\n');
        closeSync(fd);
      } catch { /* nobody listens any more */ }
    }
    const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    if (cb) queueMicrotask(cb);
    return true;
  };
}
