// supervise/death_tally: 14-byte records, oldest first: TAI64N stamp, exit code (128+sig when
// killed), signal number (0 when it exited).
import { closeSync, fstatSync, openSync, readSync, ftruncateSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './atomic.js';
import { packTain, unpackTain, type Tain } from './tai.js';

export const DTALLY_RECORD = 14;
export const MAX_DEATH_TALLY = 4096;

export interface Death { stamp: Tain; exitCode: number; sig: number }

export const dtallyPath = (serviceDir: string): string => join(serviceDir, 'supervise', 'death_tally');

/** The newest `max` records; a missing file is created empty, a torn one truncated, as s6 does. */
export function readDeathTally(serviceDir: string, max: number): Death[] {
  const fd = openSync(dtallyPath(serviceDir), C.O_RDWR | C.O_CREAT, 0o666);
  try {
    const size = fstatSync(fd).size;
    if (size % DTALLY_RECORD) {
      ftruncateSync(fd, 0);
      return [];
    }
    const n = Math.min(max, size / DTALLY_RECORD);
    const buf = Buffer.alloc(n * DTALLY_RECORD);
    readSync(fd, buf, 0, buf.length, size - buf.length);
    const out: Death[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * DTALLY_RECORD;
      out.push({ stamp: unpackTain(buf, o), exitCode: buf[o + 12], sig: buf[o + 13] });
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

export function writeDeathTally(serviceDir: string, deaths: Death[]): void {
  const buf = Buffer.alloc(deaths.length * DTALLY_RECORD);
  deaths.forEach((d, i) => {
    const o = i * DTALLY_RECORD;
    packTain(d.stamp, buf, o);
    buf[o + 12] = d.exitCode & 0xff;
    buf[o + 13] = d.sig & 0xff;
  });
  writeAtomic(dtallyPath(serviceDir), buf);
}

/** Appends one death, keeping the newest `max` (max-death-tally; 0 keeps nothing). */
export function recordDeath(serviceDir: string, death: Death, max: number): void {
  if (max <= 0) return;
  const tally = readDeathTally(serviceDir, max);
  tally.push(death);
  writeDeathTally(serviceDir, tally.slice(-max));
}
