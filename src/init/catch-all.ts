// S6_LOGGING=1 or 2: the tree's stdout and stderr (init's fds 1 and 2, which every service and
// script inherits) go through a pipe to `hexad log` writing run/uncaught-logs, as s6-overlay's
// catch-all logger does. The logger outlives the final kill and ends on end-of-file.
import { closeSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dup, dup2, pipe } from '../native/index.js';
import { start, type Running } from './procs.js';

const HEXAD_BIN = fileURLToPath(new URL('../../../bin/hexad.js', import.meta.url));

export interface CatchAll {
  pid: number;
  /** init's original stdout and stderr (for CMD when S6_LOGGING=1) */
  origOut: number;
  origErr: number;
  close(maxMs: number): Promise<void>;
}

export function startCatchAllLogger(dir: string, script: string, env: string[]): CatchAll {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const [r, w] = pipe(true);
  const node = process.execPath;
  const words = script.split(/\s+/).filter(Boolean);
  const logger: Running = start(node, [node, HEXAD_BIN, 'log', ...words, dir], { cwd: '/', env, stdio: [r, 1, 2], setsid: true });
  closeSync(r);
  const origOut = dup(1, 10, true);
  const origErr = dup(2, 10, true);
  dup2(w, 1);
  dup2(w, 2);
  closeSync(w);
  return {
    pid: logger.pid,
    origOut,
    origErr,
    async close(maxMs: number): Promise<void> {
      // give fds 1 and 2 back: the pipe's last writer is gone and the logger sees end-of-file
      dup2(origOut, 1);
      dup2(origErr, 2);
      let t: NodeJS.Timeout | undefined;
      await Promise.race([logger.done, new Promise((res) => { t = setTimeout(res, maxMs); })]);
      clearTimeout(t);
      try { process.kill(logger.pid, 'SIGKILL'); } catch { /* exited */ }
    },
  };
}
