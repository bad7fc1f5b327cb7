// The logger's spool: what it takes from its input pipe is moved, by one splice(2), into a
// file (`hexad-spool` in the first logdir) before anything else happens to it, and is
// acknowledged there only once the lines it holds are in every logdir's `current`. So a
// SIGKILL at any instant loses nothing and doubles nothing:
//
//   splice → (kill: the bytes are in the spool past `done`: the next start replays them)
//   intent (header: for each logdir, `current`'s inode and size before the write)
//   → write to each `current` → (kill: the next start cuts each `current` back to that size,
//     then replays: the lines are written once, with new stamps)
//   commit (header: `done` moves past the last complete line written)
//
// A line not yet complete stays past `done`. The header is one page at the start of the file,
// written with one pwrite (a kill cannot leave half of it). The data is compacted when the
// logger has caught up (the file is cut back to the header) or, when a partial line is held,
// by writing header and tail to `hexad-spool.new` and renaming it over the spool.
import {
  closeSync, fstatSync, ftruncateSync, openSync, readSync, renameSync, statSync, truncateSync, unlinkSync, writeSync,
  constants as C,
} from 'node:fs';
import { splice } from '../native/index.js';
import { trace } from './logdir.js';

export const SPOOL_NAME = 'hexad-spool';
const HDR = 4096;
const MAGIC = Buffer.from('HXSPOOL1');
const INTENT = 1;
/** caught up: cut the file back once this much is spooled */
const TRUNCATE_AT = 1 << 16;
/** a partial line held: rewrite the file once this much precedes it */
const COMPACT_AT = 1 << 20;
const MAX_LOGDIRS = (HDR - 24) / 16;
/** acknowledge at least this often while the pipe never drains */
const COMMIT_EVERY = 1 << 20;

/** A logdir's `current` as an intent records it. */
export interface Witness { path: string; ino: number; size: number }

export class Spool {
  /** first byte not yet acknowledged */
  done = HDR;
  /** end of the spooled data (the file's size) */
  size = HDR;
  /** end of what was handed to the logger (replayed or read back after a fill) */
  fed = HDR;
  /** an intent was recorded and its writes are not all done */
  private intentOpen = false;
  /** the header on disk holds an intent */
  private intentOnDisk = false;
  /** written, not yet acknowledged on disk */
  private pendingDone: number | null = null;

  private constructor(private readonly path: string, private fd: number) {}

  /** Opens (or creates) the spool of the logdirs whose `current` files are `currents`, and
   * undoes a write an intent says may be half done. Call it with every logdir locked and
   * before their own recovery (which archives `current`). */
  static open(dir: string, currents: string[]): Spool {
    const path = `${dir}/${SPOOL_NAME}`;
    try {
      unlinkSync(`${path}.new`); // a compaction killed before its rename
    } catch { /* none */ }
    const fd = openSync(path, C.O_RDWR | C.O_CREAT, 0o600);
    const sp = new Spool(path, fd);
    try {
      sp.recover(currents);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    return sp;
  }

  static canHold(logdirs: number): boolean {
    return logdirs > 0 && logdirs <= MAX_LOGDIRS;
  }

  private recover(currents: string[]): void {
    const size = fstatSync(this.fd).size;
    const h = Buffer.alloc(HDR);
    const n = size >= HDR ? readSync(this.fd, h, 0, HDR, 0) : 0;
    if (n < HDR || !h.subarray(0, 8).equals(MAGIC)) {
      ftruncateSync(this.fd, 0);
      this.size = this.done = this.fed = HDR;
      this.writeHeader(null);
      ftruncateSync(this.fd, HDR);
      return;
    }
    this.size = size;
    this.done = Number(h.readBigUInt64LE(8));
    const flags = h.readUInt32LE(16);
    const count = h.readUInt32LE(20);
    trace(`spool done=${this.done} size=${size} intent=${flags & INTENT}`);
    if (flags & INTENT && this.done <= size) {
      for (let i = 0; i < Math.min(count, currents.length, MAX_LOGDIRS); i++) {
        const ino = Number(h.readBigUInt64LE(24 + 16 * i));
        const before = Number(h.readBigUInt64LE(32 + 16 * i));
        try {
          const st = statSync(currents[i]);
          trace(`intent ${currents[i]} ino=${ino}/${st.ino} before=${before} now=${st.size}`);
          if (st.ino === ino && st.size > before) truncateSync(currents[i], before);
        } catch { /* gone: archived by a recovery that had already run */ }
      }
    }
    // done past the end: killed between cutting the file back and rewriting the header (all of
    // it had been acknowledged)
    if (this.done > this.size) this.done = this.size = HDR;
    if (this.done < HDR) this.done = HDR;
    if (this.size < HDR) {
      this.size = HDR;
      ftruncateSync(this.fd, HDR);
    }
    this.fed = this.done;
    this.writeHeader(null);
  }

  private writeHeader(intent: Witness[] | null): void {
    const len = 24 + 16 * (intent?.length ?? 0);
    const h = Buffer.alloc(len);
    MAGIC.copy(h, 0);
    h.writeBigUInt64LE(BigInt(this.done), 8);
    h.writeUInt32LE(intent ? INTENT : 0, 16);
    h.writeUInt32LE(intent?.length ?? 0, 20);
    intent?.forEach((w, i) => {
      h.writeBigUInt64LE(BigInt(w.ino), 24 + 16 * i);
      h.writeBigUInt64LE(BigInt(w.size), 32 + 16 * i);
    });
    writeSync(this.fd, h, 0, len, 0);
  }

  /** Moves up to `max` bytes from the pipe `from` into the spool: the count, 0 at end of
   * input, -11 (EAGAIN) when the pipe is empty. Throws ENOSPC… (nothing was taken then). */
  fill(from: number, max: number): number {
    let n: number;
    if (this.copyBuf) n = this.copy(from, max);
    else {
      try {
        n = splice(from, this.fd, this.size, max);
      } catch (e) {
        // a filesystem that cannot take a splice: read, then write (a kill between the two
        // loses that read, as without a spool)
        if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
        this.copyBuf = Buffer.allocUnsafe(max);
        n = this.copy(from, max);
      }
    }
    if (n > 0) this.size += n;
    return n;
  }

  private copyBuf: Buffer | null = null;

  private copy(from: number, max: number): number {
    const buf = this.copyBuf!.length >= max ? this.copyBuf! : (this.copyBuf = Buffer.allocUnsafe(max));
    let n: number;
    try {
      n = readSync(from, buf, 0, max, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return -11;
      throw e;
    }
    if (n > 0) writeSync(this.fd, buf, 0, n, this.size);
    return n;
  }

  /** Reads spooled bytes from `at` into `buf`. */
  read(buf: Buffer, at: number, len: number): number {
    return readSync(this.fd, buf, 0, len, at);
  }

  /** Records the logdirs' `current` as they are before a write; the same header write
   * acknowledges what the previous batch wrote (see written()). */
  intent(witnesses: Witness[]): void {
    if (this.intentOpen || this.fd < 0) return;
    if (this.pendingDone !== null) this.done = this.pendingDone;
    this.pendingDone = null;
    this.writeHeader(witnesses);
    this.intentOpen = true;
    this.intentOnDisk = true;
  }

  /** Everything before `done` is written. Acknowledged lazily: by the next intent, or by
   * commit() (when the pipe is drained, before a rotation, every megabyte). Until then a kill
   * makes the next start cut `current` back to the last intent and write those lines again:
   * once, never lost. */
  written(done: number): void {
    if (this.fd < 0) return;
    this.intentOpen = false;
    if (done !== this.done) this.pendingDone = done;
    if (done - this.done >= COMMIT_EVERY) this.commit();
  }

  /** Writes the acknowledgement now, and compacts when it is worth it. Must run before a
   * rotation renames a `current` an intent on disk names. */
  commit(): void {
    if (this.fd < 0 || this.intentOpen || (this.pendingDone === null && !this.intentOnDisk)) return;
    if (this.pendingDone !== null) this.done = this.pendingDone;
    this.pendingDone = null;
    // acknowledged first: cutting the file back or compacting it comes after, so a kill in
    // between never leaves an intent that would cut back lines already written
    this.writeHeader(null);
    this.intentOnDisk = false;
    if (this.done === this.size && this.size - HDR >= TRUNCATE_AT) {
      ftruncateSync(this.fd, HDR);
      this.done = this.size = this.fed = HDR;
      this.writeHeader(null);
    } else if (this.done - HDR >= COMPACT_AT && this.size - this.done <= TRUNCATE_AT) this.compact();
  }

  /** Header and the unacknowledged tail into a new file, renamed over the spool. */
  private compact(): void {
    const tail = Buffer.allocUnsafe(this.size - this.done);
    if (tail.length) readSync(this.fd, tail, 0, tail.length, this.done);
    const next = openSync(`${this.path}.new`, C.O_RDWR | C.O_CREAT | C.O_TRUNC, 0o600);
    const old = this.fd;
    const [done, size, fed] = [this.done, this.size, this.fed];
    try {
      this.fd = next;
      this.done = HDR;
      this.size = HDR + tail.length;
      this.fed = HDR + (fed - done);
      this.writeHeader(null);
      ftruncateSync(next, HDR);
      if (tail.length) writeSync(next, tail, 0, tail.length, HDR);
      renameSync(`${this.path}.new`, this.path);
    } catch (e) {
      closeSync(next);
      this.fd = old;
      this.done = done;
      this.size = size;
      this.fed = fed;
      this.writeHeader(null);
      throw e;
    }
    closeSync(old);
  }

  /** The logger stopped cleanly: an empty spool is cut back to its header. */
  close(): void {
    if (this.fd < 0) return;
    try {
      this.commit();
      if (!this.intentOpen && this.done === this.size && this.size > HDR) {
        ftruncateSync(this.fd, HDR);
        this.done = this.size = this.fed = HDR;
        this.writeHeader(null);
      }
    } catch { /* left for the next start */ }
    closeSync(this.fd);
    this.fd = -1;
  }

  /** A killed logger: leave the file as it is. */
  abandon(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
