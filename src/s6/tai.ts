// TAI64N timestamps as s6 writes them: 8 bytes big-endian 2^62 + TAI seconds, then 4 bytes
// of nanoseconds. TAI = Unix + 37 s today (10 s + 27 leap seconds, the last in 2017),
// which is what Debian's skalibs computes.
import { realtime } from '../native/index.js';

export const TAI_OFFSET = 37;
const TWO_32 = 0x1_0000_0000;

/** A wall-clock instant in TAI: whole seconds since the TAI epoch, plus nanoseconds. */
export interface Tain { sec: number; nsec: number }

export const TAIN_ZERO: Tain = { sec: 0, nsec: 0 };

export function taiNow(): Tain {
  const [s, ns] = realtime();
  return { sec: s + TAI_OFFSET, nsec: ns };
}

export function taiFromUnixMs(ms: number): Tain {
  const s = Math.floor(ms / 1000);
  return { sec: s + TAI_OFFSET, nsec: Math.round((ms - s * 1000) * 1e6) };
}

export function taiToUnixMs(t: Tain): number {
  return (t.sec - TAI_OFFSET) * 1000 + t.nsec / 1e6;
}

export function packTain(t: Tain, buf: Buffer, off = 0): void {
  buf.writeUInt32BE(0x4000_0000 + Math.floor(t.sec / TWO_32), off);
  buf.writeUInt32BE(t.sec % TWO_32, off + 4);
  buf.writeUInt32BE(t.nsec, off + 8);
}

export function unpackTain(buf: Buffer, off = 0): Tain {
  const hi = buf.readUInt32BE(off) - 0x4000_0000;
  return { sec: hi * TWO_32 + buf.readUInt32BE(off + 4), nsec: buf.readUInt32BE(off + 8) };
}

/** `@` + 24 lowercase hex digits, as s6-log, s6-svstat and ftrig fifo names print them. */
export function tainLabel(t: Tain): string {
  const b = Buffer.allocUnsafe(12);
  packTain(t, b);
  return '@' + b.toString('hex');
}

/** Parses a 25-character label; null when it is not one. */
export function parseTainLabel(s: string): Tain | null {
  if (s.length < 25 || s[0] !== '@' || !/^@[0-9a-f]{24}/.test(s)) return null;
  return unpackTain(Buffer.from(s.slice(1, 25), 'hex'));
}

/** Whole seconds from `t` to `now`, never negative (s6-svstat treats a future stamp as now). */
export function secondsSince(t: Tain, now: Tain): number {
  const d = (now.sec - t.sec) + (now.nsec - t.nsec) / 1e9;
  return d > 0 ? Math.floor(d) : 0;
}
