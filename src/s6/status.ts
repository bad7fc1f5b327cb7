// supervise/status: the 35-byte record s6-supervise rewrites after every change.
// stamp(12) readystamp(12) pid(u64 BE) wstat(u16 BE) flags(paused 1, finishing 2, wantup 4, ready 8)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './atomic.js';
import { packTain, unpackTain, type Tain } from './tai.js';

export const STATUS_SIZE = 35;

export interface SvStatus {
  stamp: Tain;
  readyStamp: Tain;
  pid: number;
  wstat: number;
  paused: boolean;
  finishing: boolean;
  wantUp: boolean;
  ready: boolean;
}

export function packStatus(s: SvStatus): Buffer {
  const b = Buffer.alloc(STATUS_SIZE);
  packTain(s.stamp, b, 0);
  packTain(s.readyStamp, b, 12);
  b.writeInt32BE(s.pid < 0 ? -1 : 0, 24);
  b.writeInt32BE(s.pid | 0, 28);
  b.writeUInt16BE(s.wstat & 0xffff, 32);
  b[34] = (s.paused ? 1 : 0) | (s.finishing ? 2 : 0) | (s.wantUp ? 4 : 0) | (s.ready ? 8 : 0);
  return b;
}

export function unpackStatus(b: Buffer): SvStatus {
  if (b.length < STATUS_SIZE) throw Object.assign(new Error('short status file'), { code: 'EPIPE', errno: 32 });
  const f = b[34];
  return {
    stamp: unpackTain(b, 0),
    readyStamp: unpackTain(b, 12),
    // s6 stores a u64 and reads it back into a pid_t: only the low 32 bits, signed
    pid: b.readInt32BE(28),
    wstat: b.readUInt16BE(32),
    paused: (f & 1) !== 0,
    finishing: (f & 2) !== 0,
    wantUp: (f & 4) !== 0,
    ready: (f & 8) !== 0,
  };
}

export function statusPath(serviceDir: string): string {
  return join(serviceDir, 'supervise', 'status');
}

/** Reads DIR/supervise/status; throws a Node error (ENOENT…) or EPIPE when short. */
export function readStatus(serviceDir: string): SvStatus {
  return unpackStatus(readFileSync(statusPath(serviceDir)));
}

export function writeStatus(serviceDir: string, s: SvStatus): void {
  writeAtomic(statusPath(serviceDir), packStatus(s));
}

/** What s6 calls "up": a pid that is the service, not its finish script. */
export const isUp = (s: SvStatus): boolean => s.pid !== 0 && !s.finishing;

// The raw wait status, decoded as WIFSIGNALED / WTERMSIG / WEXITSTATUS do.
export const wstatSignaled = (w: number): boolean => (w & 0x7f) !== 0 && (w & 0x7f) !== 0x7f;
export const wstatSignal = (w: number): number => w & 0x7f;
export const wstatExitCode = (w: number): number => (w >> 8) & 0xff;
export const wstatFromExit = (code: number | null, signal: number | null): number =>
  signal ? signal & 0x7f : ((code ?? 0) & 0xff) << 8;
