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

const HEX = Buffer.from('0123456789abcdef');

function hex8(out: Buffer, off: number, v: number): void {
  for (let i = 7; i >= 0; i--) {
    out[off + i] = HEX[v & 15];
    v >>>= 4;
  }
}

/** Writes the 25-byte label (`@` + 24 lowercase hex digits) of TAI seconds + nanoseconds into
 * `out` at `off`, without allocating: s6-log stamps lines with it. */
export function writeLabel(out: Buffer, off: number, taiSec: number, nsec: number): void {
  out[off] = 0x40; // '@'
  hex8(out, off + 1, 0x4000_0000 + Math.floor(taiSec / TWO_32));
  hex8(out, off + 9, taiSec % TWO_32);
  hex8(out, off + 17, nsec);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Parses `@` + 24 hex digits (either case, as skalibs' timestamp_scan) at `off`:
 * [TAI seconds, nanoseconds], or null. Seconds too large for a double are refused. */
export function scanLabel(buf: Uint8Array, off: number): [number, number] | null {
  if (buf[off] !== 0x40) return null;
  let hi = 0, lo = 0, ns = 0;
  for (let i = 0; i < 24; i++) {
    const v = hexVal(buf[off + 1 + i]);
    if (v < 0) return null;
    if (i < 8) hi = hi * 16 + v;
    else if (i < 16) lo = lo * 16 + v;
    else ns = ns * 16 + v;
  }
  const rel = hi - 0x4000_0000;
  if (rel < 0 || rel >= 0x20_0000) return null;
  return [rel * TWO_32 + lo, ns];
}

/** `@` + 24 lowercase hex digits, as s6-log, s6-svstat and ftrig fifo names print them. */
export function tainLabel(t: Tain): string {
  const b = Buffer.allocUnsafe(25);
  writeLabel(b, 0, t.sec, t.nsec);
  return b.toString('latin1');
}

/** Parses a 25-character label; null when it is not one. */
export function parseTainLabel(s: string): Tain | null {
  const r = s.length >= 25 ? scanLabel(Buffer.from(s.slice(0, 25), 'latin1'), 0) : null;
  return r && { sec: r[0], nsec: r[1] };
}

/** Whole seconds from `t` to `now`, never negative (s6-svstat treats a future stamp as now). */
export function secondsSince(t: Tain, now: Tain): number {
  const d = (now.sec - t.sec) + (now.nsec - t.nsec) / 1e9;
  return d > 0 ? Math.floor(d) : 0;
}
