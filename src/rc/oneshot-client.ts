// The client side of hexad svscan's oneshot runner (protocol in src/svscan/oneshot-runner.ts):
// hand our stdio and a oneshot's argv to the supervision tree, and wait for its exit code.
import { closeSync, fstatSync, openSync, constants as C } from 'node:fs';
import { Socket } from 'node:net';
import { constants as os } from 'node:os';
import { connectUnix, sendFds } from '../native/index.js';
import { errText } from '../s6/diag.js';
import type { Outcome, Running } from './transition.js';

let stdioCache: number[] | null = null;

/** Our fds 0, 1, 2; /dev/null for the ones that are closed. */
function stdioFds(): number[] {
  if (stdioCache) return stdioCache;
  stdioCache = [0, 1, 2].map((fd) => {
    try {
      fstatSync(fd);
      return fd;
    } catch {
      return openSync('/dev/null', fd ? C.O_WRONLY : C.O_RDONLY);
    }
  });
  return stdioCache;
}

export interface OneshotRequest {
  socket: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** ms, 0 = none */
  timeout: number;
}

/** How long past its own timeout the client still waits for the runner's word. */
const GRACE_MS = 2000;

export function runOneshot(req: OneshotRequest): Running {
  if (!req.argv.length) return { done: Promise.resolve({ ok: true }), abort: () => {} };
  let fd: number;
  try {
    fd = connectUnix(req.socket);
  } catch (e) {
    return {
      done: Promise.resolve({ ok: false, code: 111, detail: `unable to connect to the oneshot runner at ${req.socket}: ${errText(e)} (is the scan directory run by hexad svscan?)` }),
      abort: () => {},
    };
  }
  try {
    const msg = JSON.stringify({ argv: req.argv, cwd: req.cwd, env: req.env, timeout: req.timeout }) + '\n';
    sendFds(fd, Buffer.from(msg), stdioFds());
  } catch (e) {
    closeSync(fd);
    return { done: Promise.resolve({ ok: false, code: 111, detail: `unable to send to the oneshot runner at ${req.socket}: ${errText(e)}` }), abort: () => {} };
  }
  const sock = new Socket({ fd, readable: true, writable: true });
  let settle: (o: Outcome) => void = () => {};
  let settled = false;
  let timer: NodeJS.Timeout | null = null;
  const done = new Promise<Outcome>((resolve) => {
    settle = (o) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
  });
  const timedOut: Outcome = { ok: false, code: 111, detail: `timed out after ${req.timeout} ms`, timedOut: true };
  if (req.timeout > 0) timer = setTimeout(() => settle(timedOut), req.timeout + GRACE_MS);
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let m: { pid?: number; exit?: number; signal?: string; timedout?: boolean };
      try {
        m = JSON.parse(line);
      } catch {
        continue;
      }
      if (m.timedout) settle(timedOut);
      else if (typeof m.exit === 'number') settle(m.exit ? { ok: false, code: m.exit } : { ok: true });
      else if (typeof m.signal === 'string') {
        const num = (os.signals as Record<string, number>)[m.signal] ?? 0;
        settle({ ok: false, code: 128 + num });
      }
    }
  });
  sock.on('error', () => { /* 'close' follows */ });
  sock.on('close', () => settle({ ok: false, code: 111, detail: 'lost the connection to the oneshot runner' }));
  return { done, abort: (reason) => settle(reason) };
}
