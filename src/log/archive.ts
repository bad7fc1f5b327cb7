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

/** s6-log's finish(): archives DIR/NAME as `@stamp.SUFFIX` (link, then unlink), then trims.
 * A missing file is no error. An empty file is removed, not archived (as s6 ≥ 2.12 does),
 * so that crashes and restarts do not fill the archive count with empty files. A file with
 * more than one link was already archived by a run that died before unlinking it. */
export function finish(dir: string, name: string, suffix: 's' | 'u', namer: ArchiveNamer, count: number, maxTotal: number, warn: Warn): void {
  const path = `${dir}/${name}`;
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if (code(e) === 'ENOENT') return;
    throw e;
  }
  if (st.nlink === 1 && st.size > 0) {
    for (;;) {
      try {
        linkSync(path, `${dir}/${namer.next()}.${suffix}`);
        break;
      } catch (e) {
        if (code(e) !== 'EEXIST') throw e;
      }
    }
  }
  unlinkSync(path);
  trim(dir, count, maxTotal, warn);
}

/** Deletes the oldest archives while there are more than `count`, or while they hold more
 * than `maxTotal` bytes (when not 0). */
export function trim(dir: string, count: number, maxTotal: number, warn: Warn): void {
  const names = readdirSync(dir).filter(isArchiveName);
  if (!names.length) return;
  const files: { name: string; size: number }[] = [];
  let total = 0;
  for (const name of names) {
    try {
      const size = statSync(`${dir}/${name}`).size;
      files.push({ name, size });
      total += size;
    } catch (e) {
      warn(`unable to stat ${dir}/${name}: ${errText(e)}`);
    }
  }
  if (files.length <= count && (!maxTotal || total <= maxTotal)) return;
  files.sort((a, b) => (a.name.slice(1) < b.name.slice(1) ? -1 : a.name.slice(1) > b.name.slice(1) ? 1 : 0));
  let left = files.length;
  for (const f of files) {
    if (!(left > count || (maxTotal && total > maxTotal))) break;
    try {
      unlinkSync(`${dir}/${f.name}`);
      total -= f.size;
    } catch (e) {
      if (code(e) === 'ENOENT') total -= f.size;
      warn(`unable to unlink ${dir}/${f.name}: ${errText(e)}`);
    }
    left--;
  }
}
