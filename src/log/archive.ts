// Archived log files of a logdir: `@<24 hex>.s` (rotated, processed) and `.u` (left by a
// crash), named by the TAI64N time of archiving, so name order is age order.
import { linkSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { errText } from '../s6/diag.js';
import { labelOf, wallclock } from './stamp.js';

/** s6-log's name_is_relevant: `@` + 24 hex digits + `.s` or `.u`. */
export function isArchiveName(name: string): boolean {
  return name.length === 27 && /^@[0-9a-fA-F]{24}\.[su]$/.test(name);
}

export type Warn = (message: string) => void;

/** Archive names of one logdir, strictly increasing even within one clock tick. */
export class ArchiveNamer {
  private lastSec = 0;
  private lastNsec = -1;

  next(): string {
    let [sec, nsec] = wallclock();
    if (sec < this.lastSec || (sec === this.lastSec && nsec <= this.lastNsec)) {
      sec = this.lastSec;
      nsec = this.lastNsec + 1;
      if (nsec > 999_999_999) {
        sec++;
        nsec = 0;
      }
    }
    this.lastSec = sec;
    this.lastNsec = nsec;
    return labelOf(sec, nsec).toString('latin1');
  }
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** The archives of one logdir, read once at start-up and kept up to date by this process
 * (s6-log rescans the directory at each rotation; with thousands of archives that costs a
 * stat per archive per rotation). Archives removed by someone else are noticed when their
 * unlink fails; archives added by someone else are not counted until the next start. */
export class Archives {
  private readonly namer = new ArchiveNamer();
  /** oldest first */
  private list: { name: string; size: number }[] = [];
  private head = 0;
  total = 0;

  constructor(private readonly dir: string) {}

  get count(): number {
    return this.list.length - this.head;
  }

  load(warn: Warn): void {
    const files: { name: string; size: number }[] = [];
    let total = 0;
    for (const name of readdirSync(this.dir)) {
      if (!isArchiveName(name)) continue;
      try {
        const size = statSync(`${this.dir}/${name}`).size;
        files.push({ name, size });
        total += size;
      } catch (e) {
        warn(`unable to stat ${this.dir}/${name}: ${errText(e)}`);
      }
    }
    files.sort((a, b) => cmpNames(a.name, b.name));
    this.list = files;
    this.head = 0;
    this.total = total;
  }

  private add(name: string, size: number): void {
    const list = this.list;
    let i = list.length;
    while (i > this.head && cmpNames(list[i - 1].name, name) > 0) i--;
    list.splice(i, 0, { name, size });
    this.total += size;
  }

  /** s6-log's finish(): archives NAME as `@stamp.SUFFIX` (link, then unlink), then trims.
   * A missing file is no error. An empty file is removed, not archived (as s6 >= 2.12
   * does), so that crashes and restarts do not fill the archive count with empty files. A
   * file with more than one link was already archived by a run that died before unlinking
   * it. */
  finish(name: string, suffix: 's' | 'u', count: number, maxTotal: number, warn: Warn): void {
    const path = `${this.dir}/${name}`;
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      if (code(e) === 'ENOENT') return;
      throw e;
    }
    if (st.nlink === 1 && st.size > 0) {
      for (;;) {
        const arch = `${this.namer.next()}.${suffix}`;
        try {
          linkSync(path, `${this.dir}/${arch}`);
          this.add(arch, st.size);
          break;
        } catch (e) {
          if (code(e) !== 'EEXIST') throw e;
        }
      }
    }
    unlinkSync(path);
    this.trim(count, maxTotal, warn);
  }

  /** Deletes the oldest archives while there are more than `count`, or while they hold more
   * than `maxTotal` bytes (when not 0). */
  trim(count: number, maxTotal: number, warn: Warn): void {
    while (this.count > count || (maxTotal && this.total > maxTotal && this.count > 0)) {
      const f = this.list[this.head++];
      this.total -= f.size;
      try {
        unlinkSync(`${this.dir}/${f.name}`);
      } catch (e) {
        if (code(e) !== 'ENOENT') warn(`unable to unlink ${this.dir}/${f.name}: ${errText(e)}`);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.list.length) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
  }
}

/** Name order is age order (the stamp); `.s` and `.u` of one stamp compare by suffix. */
function cmpNames(a: string, b: string): number {
  const x = a.slice(1).toLowerCase();
  const y = b.slice(1).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
