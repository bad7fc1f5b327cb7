import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLocked } from '../../src/s6/lockfile.js';
import { readStatus } from '../../src/s6/status.js';
import { Daemon, hexadDaemon, until } from '../helpers.js';

/** Processes whose command line is exactly `argv` (services run `sleep <unique number>`). */
export function countProcs(...argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'latin1') === want) pids.push(Number(p));
    } catch { /* gone */ }
  }
  return pids;
}

export function killProcs(...argv: string[]): void {
  for (const pid of countProcs(...argv)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

export async function scanning(scandir: string): Promise<void> {
  await until(`svscan on ${scandir}`, () => isLocked(join(scandir, '.s6-svscan', 'lock')));
}

export async function serviceUp(dir: string): Promise<number> {
  return until(`${dir} up`, () => {
    const s = readStatus(dir);
    return s.pid && !s.finishing ? s.pid : 0;
  });
}

/** Starts `hexad svscan DIR` and stops it (SIGTERM, then the whole group) after the test. */
export async function svscan(t: { after: (fn: () => unknown) => void }, scandir: string, args: string[] = []): Promise<Daemon> {
  const d = hexadDaemon(['svscan', ...args, scandir]);
  t.after(() => d.stop());
  await scanning(scandir);
  return d;
}

/** A service's producer (producer.cjs) of `line N` lines, `batch` at a time every `everyMs`,
 * up to `total`. It resumes from its counter file and saves it after each write (each batch
 * below PIPE_BUF, so a write is atomic), and leaves on SIGTERM only between a write and the
 * next: across its restarts no line is written twice or skipped. */
export function numberedProducer(total: number, batch: number, everyMs: number): string {
  return `
const fs = require('fs');
let n = 0;
try { n = Number(fs.readFileSync('counter', 'utf8')) || 0; } catch {}
let stop = false;
process.on('SIGTERM', () => { stop = true; });
function batch() {
  if (stop) process.exit(0);
  if (n >= ${total}) return setTimeout(batch, 1000);
  let s = '';
  const end = Math.min(n + ${batch}, ${total});
  for (let i = n + 1; i <= end; i++) s += 'line ' + i + '\\n';
  fs.writeSync(1, s);
  n = end;
  fs.writeFileSync('counter.new', String(n));
  fs.renameSync('counter.new', 'counter');
  setTimeout(batch, ${everyMs});
}
batch();
`;
}
