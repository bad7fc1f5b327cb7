// The oneshot runner hosted by hexad svscan: rc's oneshots run as children of the
// supervision tree (its environment, its uid, its session), not of the `rc` process, which
// is what s6-rc's s6rc-oneshot-runner + s6-sudod give (s6-rc §5.2).
//
// Protocol, on a UNIX stream socket (mode 0600) at SCANDIR/.s6-svscan/hexad-runner:
//   client -> server: ONE message carrying the client's fds 0, 1, 2 (SCM_RIGHTS) and the
//     line {"argv":[…],"cwd":"…","env":{…},"timeout":ms}\n
//   server -> client: {"pid":N}\n, then {"exit":code}\n or {"signal":"SIGxxx"}\n, then close.
//     {"timedout":true}\n comes first when `timeout` (ms, 0 = none) expires.
// The program runs with the received fds as its stdio, in `cwd`, in a new session, with
// the runner's environment plus `env`. Exec failures answer exit 127 (not found) or 126,
// after a message on the client's stderr. A client that disconnects before the end, or a
// timeout, makes the server send SIGTERM then SIGCONT to the program's process group (s6-sudod
// signals the program alone; its foreground children would outlive it).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, lstatSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { delimiter } from 'node:path';
import { listen, recvFds } from '../native/index.js';
import { errText } from '../s6/diag.js';

/** Debian's execline keeps its commands here and its execlineb wrapper puts them in PATH:
 * s6-rc's runner (an execline script) gives oneshots that PATH, so this one does too. */
const EXECLINE_BIN = '/usr/lib/execline/bin';
const HANDSHAKE_MS = 30_000;
const MAX_MESSAGE = 1 << 20;

interface Request { argv: string[]; cwd: string; env: Record<string, string>; timeout: number }

export class OneshotRunner {
  private server: Server | null = null;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly socketPath: string, private readonly warn: (msg: string) => void) {
    this.env = { ...process.env };
    const path = this.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
    if (existsSync(EXECLINE_BIN) && !path.split(delimiter).includes(EXECLINE_BIN)) this.env.PATH = EXECLINE_BIN + delimiter + path;
  }

  start(): void {
    try {
      if (lstatSync(this.socketPath).isSocket()) unlinkSync(this.socketPath);
    } catch { /* nothing stale to remove */ }
    const fd = listen('unix', this.socketPath, 0, 1024);
    try {
      chmodSync(this.socketPath, 0o600);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    const server = createServer({ pauseOnConnect: true }, (sock) => this.accept(sock));
    server.on('error', (e) => this.warn(`oneshot runner: ${errText(e)}`));
    server.listen({ fd });
    server.unref();
    this.server = server;
  }

  close(): void {
    if (!this.server) return;
    this.server.close();
    this.server = null;
    try {
      unlinkSync(this.socketPath);
    } catch { /* already gone */ }
  }

  private accept(sock: Socket): void {
    sock.on('error', () => { /* the client went away; handled by 'close' */ });
    const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) {
      sock.destroy();
      return;
    }
    const started = Date.now();
    let text = '';
    const fds: number[] = [];
    const poll = (): void => {
      if (sock.destroyed) return closeAll(fds);
      let got: { data: Buffer; fds: number[] } | null;
      try {
        got = recvFds(fd, 65536);
      } catch (e) {
        closeAll(fds);
        sock.destroy();
        return;
      }
      if (got) {
        fds.push(...got.fds);
        if (!got.data.length) {       // closed before saying anything
          closeAll(fds);
          sock.destroy();
          return;
        }
        text += got.data.toString();
        if (text.includes('\n')) return this.run(sock, text.slice(0, text.indexOf('\n')), fds);
        if (text.length > MAX_MESSAGE) {
          closeAll(fds);
          sock.destroy();
          return;
        }
        setImmediate(poll);
        return;
      }
      if (Date.now() - started > HANDSHAKE_MS) {
        closeAll(fds);
        sock.destroy();
        return;
      }
      setTimeout(poll, Date.now() - started < 20 ? 0 : 5);
    };
    poll();
  }

  private run(sock: Socket, line: string, fds: number[]): void {
    let req: Request;
    try {
      req = parseRequest(line);
    } catch (e) {
      report(fds[2], `hexad-runner: fatal: invalid request: ${(e as Error).message}\n`);
      closeAll(fds);
      reply(sock, { exit: 100 }, true);
      return;
    }
    const stdio = [0, 1, 2].map((k) => (fds[k] === undefined ? 'ignore' : fds[k])) as Array<number | 'ignore'>;
    let child: ChildProcess;
    try {
      child = spawn(req.argv[0], req.argv.slice(1), {
        stdio, cwd: req.cwd || undefined, env: { ...this.env, ...req.env }, detached: true,
      });
    } catch (e) {
      report(fds[2], `hexad-runner: fatal: unable to exec ${req.argv[0]}: ${errText(e)}\n`);
      closeAll(fds);
      reply(sock, { exit: 126 }, true);
      return;
    }
    if (child.pid === undefined) {
      child.once('error', (e: NodeJS.ErrnoException) => {
        report(fds[2], `hexad-runner: fatal: unable to exec ${req.argv[0]}: ${errText(e)}\n`);
        closeAll(fds);
        reply(sock, { exit: e.code === 'ENOENT' ? 127 : 126 }, true);
      });
      return;
    }
    closeAll(fds);
    const pid = child.pid;
    let finished = false;
    let timer: NodeJS.Timeout | null = null;
    // the script leads its own process group: what it started in the foreground goes too
    const stop = (): void => {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGTERM');
          process.kill(target, 'SIGCONT');
          return;
        } catch { /* no such group: try the process */ }
      }
    };
    child.on('error', () => { /* exit follows */ });
    child.on('exit', (code, signal) => {
      finished = true;
      if (timer) clearTimeout(timer);
      reply(sock, signal ? { signal } : { exit: code ?? 0 }, true);
    });
    reply(sock, { pid }, false);
    if (req.timeout > 0) {
      timer = setTimeout(() => {
        if (finished) return;
        reply(sock, { timedout: true }, false);
        stop();
      }, req.timeout);
    }
    sock.on('close', () => { if (!finished) stop(); });
    sock.on('data', () => { /* nothing more is expected from the client */ });
    sock.resume();
  }
}

function parseRequest(line: string): Request {
  const r = JSON.parse(line) as Partial<Request>;
  if (!Array.isArray(r.argv) || !r.argv.length || !r.argv.every((a) => typeof a === 'string')) throw new Error('argv');
  const env: Record<string, string> = {};
  if (r.env && typeof r.env === 'object') for (const [k, v] of Object.entries(r.env)) env[k] = String(v);
  return { argv: r.argv, cwd: typeof r.cwd === 'string' ? r.cwd : '', env, timeout: Number.isFinite(r.timeout) ? Math.max(0, Number(r.timeout)) : 0 };
}

function reply(sock: Socket, msg: object, last: boolean): void {
  if (sock.destroyed) return;
  const line = JSON.stringify(msg) + '\n';
  if (last) sock.end(line);
  else sock.write(line);
}

function report(fd: number | undefined, text: string): void {
  if (fd === undefined) return;
  try {
    writeSync(fd, text);
  } catch { /* the client's stderr is gone */ }
}

function closeAll(fds: number[]): void {
  for (const fd of fds.splice(0)) {
    try {
      closeSync(fd);
    } catch { /* already closed */ }
  }
}
