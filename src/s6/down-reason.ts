// Why a service is down, when the supervisor knows more than the status file says: a `run`
// it could not spawn, a `finish` that asked for no restart. One line of text in
// supervise/hexad-down-reason (hexad's own file: s6's tools ignore it), written to a temporary
// name and renamed, removed when the service starts; `hexad status` shows it.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './atomic.js';

const FILE = 'hexad-down-reason';

export function writeDownReason(serviceDir: string, reason: string | null): void {
  const p = join(serviceDir, 'supervise', FILE);
  try {
    if (reason === null) rmSync(p, { force: true });
    else writeAtomic(p, Buffer.from(reason.replace(/\n/g, ' ') + '\n'));
  } catch { /* best effort: the status file stays the authority */ }
}

export function readDownReason(serviceDir: string): string | null {
  try {
    return readFileSync(join(serviceDir, 'supervise', FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}
