import { spawn } from 'node:child_process';
import { fatalSys } from '../s6/diag.js';

/** child_spawn0: starts argv with our stdio and environment; its exit status is not awaited. */
export function spawnProgram(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit' });
    if (child.pid === undefined) {
      child.once('error', (e) => reject(fatalSys(111, `spawn ${argv[0]}`, e)));
      return;
    }
    child.on('error', () => { /* it ran */ });
    child.unref();
    resolve();
  });
}
