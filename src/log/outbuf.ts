// A growable byte buffer that log lines are assembled into: one copy per piece, no
// allocation per line.

export class OutBuf {
  buf: Buffer;
  len = 0;

  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  /** Appends `header`, bytes [s, e) of `src`, and a newline. */
  line(header: Buffer | null, src: Uint8Array, s: number, e: number): void {
    const hl = header ? header.length : 0;
    const need = this.len + hl + (e - s) + 1;
    if (need > this.buf.length) this.grow(need);
    let o = this.len;
    if (hl) {
      this.buf.set(header!, o);
      o += hl;
    }
    if (e > s) {
      this.buf.set(src.subarray(s, e), o);
      o += e - s;
    }
    this.buf[o++] = 10;
    this.len = o;
  }

  append(src: Uint8Array): void {
    const need = this.len + src.length;
    if (need > this.buf.length) this.grow(need);
    this.buf.set(src, this.len);
    this.len = need;
  }

  /** The bytes so far, handed over (the buffer is not reused afterwards). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(Math.max(1 << 16, Math.min(this.buf.length, 1 << 20)));
    this.len = 0;
    return out;
  }

  clear(): void {
    this.len = 0;
  }
}
