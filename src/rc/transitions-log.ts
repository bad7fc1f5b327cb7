// The record of rc transitions that `hexad svscan --http` turns into metrics at scrape time, so
// that no daemon has to be told about them. In LIVE/transitions/ (LIVE is the live directory,
// which `rc change` holds the write lock of, so there is one writer at a time):
//
// * `log.G` — one line per transition, appended with one write(2) each:
//     \nSTART_MS DURATION_MS.mmm u|d 1|0 LEN:SERVICE\n
//   (1 = ok, 0 = failed; LEN is the name's byte length). The leading newline ends whatever a
//   torn earlier record left, so a torn record spoils only itself; the reader skips every line
//   that does not parse or whose name is not LEN bytes long. A kill -9 cannot split one small
//   write(2) to a regular file on Linux; a machine crash or a full disk can leave a prefix.
// * `sum` — the totals of every log already folded in, with G, the last generation folded.
//   When log.(G+1) passes LOG_LIMIT bytes, the writer writes sum with the log's records added
//   and G+1 (temporary name, then rename), then unlinks log.(G+1). A kill -9 between the two
//   leaves a log whose generation is ≤ G: readers ignore it and the next fold removes it. So the
//   directory stays under LOG_LIMIT plus the sum's size (a few bytes per service).
//
// rc-update copies the directory into the new live directory, so counters survive a database
// switch (`hexad up` with a changed config).
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../s6/atomic.js';

export const TRANSITIONS_DIR = 'transitions';
export const LOG_LIMIT = 256 * 1024;
/** seconds: the histogram's upper bounds (+Inf implied) */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface TransitionRecord { service: string; up: boolean; ok: boolean; startMs: number; durationMs: number }

/** Totals per service and direction. */
export interface TransitionTotals {
  ok: number;
  failed: number;
  /** per bucket of DURATION_BUCKETS, then +Inf: non-cumulative counts */
  buckets: number[];
  sumSeconds: number;
}

export interface TransitionSummary {
  gen: number;
  /** key: `${direction} ${service}` */
  totals: Record<string, TransitionTotals>;
}

export function encodeRecord(r: TransitionRecord): string {
  return `\n${Math.round(r.startMs)} ${r.durationMs.toFixed(3)} ${r.up ? 'u' : 'd'} ${r.ok ? 1 : 0} ${Buffer.byteLength(r.service)}:${r.service}\n`;
}

const LINE = /^(\d+) (\d+\.\d{3}) ([ud]) ([01]) (\d+):(.*)$/;

/** The records of a log's text; lines that do not parse (torn, or garbage) are skipped. */
export function parseRecords(text: string): TransitionRecord[] {
  const out: TransitionRecord[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || Buffer.byteLength(m[6]) !== Number(m[5])) continue;
    out.push({ startMs: Number(m[1]), durationMs: Number(m[2]), up: m[3] === 'u', ok: m[4] === '1', service: m[6] });
  }
  return out;
}

const emptyTotals = (): TransitionTotals => ({ ok: 0, failed: 0, buckets: new Array(DURATION_BUCKETS.length + 1).fill(0), sumSeconds: 0 });

export function addRecord(s: TransitionSummary, r: TransitionRecord): void {
  const key = `${r.up ? 'up' : 'down'} ${r.service}`;
  const t = (s.totals[key] ??= emptyTotals());
  if (r.ok) t.ok++;
  else t.failed++;
  const sec = r.durationMs / 1000;
  let b = DURATION_BUCKETS.findIndex((le) => sec <= le);
  if (b < 0) b = DURATION_BUCKETS.length;
  t.buckets[b]++;
  t.sumSeconds += sec;
}

function readSummary(dir: string): TransitionSummary {
  try {
    const s = JSON.parse(readFileSync(join(dir, 'sum'), 'utf8')) as TransitionSummary;
    if (Number.isInteger(s.gen) && s.totals && typeof s.totals === 'object') return s;
  } catch { /* none yet, or unreadable: start over */ }
  return { gen: 0, totals: {} };
}

const logGen = (name: string): number | null => (/^log\.(\d+)$/.test(name) ? Number(name.slice(4)) : null);

/** Everything recorded in LIVE/transitions: the sum plus the current log's records. */
export function readTransitions(live: string): TransitionSummary {
  const dir = join(live, TRANSITIONS_DIR);
  const s = readSummary(dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return s;
  }
  for (const n of names) {
    const g = logGen(n);
    if (g === null || g <= s.gen) continue; // folded already (a fold killed before its unlink)
    let text: string;
    try {
      text = readFileSync(join(dir, n), 'utf8');
    } catch {
      continue;
    }
    for (const r of parseRecords(text)) addRecord(s, r);
  }
  return s;
}

/** The writer an rc engine keeps for its run: opened at the first record. */
export class TransitionLog {
  private fd = -1;
  private gen = 0;
  private readonly dir: string;

  constructor(live: string, private readonly limit = LOG_LIMIT) {
    this.dir = join(live, TRANSITIONS_DIR);
  }

  /** Appends one record; never throws (metrics must not fail a transition). */
  append(r: TransitionRecord): void {
    try {
      if (this.fd < 0) {
        mkdirSync(this.dir, { recursive: true });
        this.gen = readSummary(this.dir).gen;
        this.fd = openSync(join(this.dir, `log.${this.gen + 1}`), C.O_WRONLY | C.O_APPEND | C.O_CREAT, 0o644);
      }
      writeSync(this.fd, encodeRecord(r));
      if (fstatSync(this.fd).size > this.limit) this.fold();
    } catch { /* a read-only or vanished live directory: no record */ }
  }

  /** Folds log.(G+1) into sum (G+1), then removes it and stale logs. */
  private fold(): void {
    closeSync(this.fd);
    this.fd = -1;
    const s = readTransitions(this.dir.slice(0, -TRANSITIONS_DIR.length - 1));
    s.gen = this.gen + 1;
    writeAtomic(join(this.dir, 'sum'), JSON.stringify(s));
    // a kill -9 here leaves log.G (G ≤ sum's gen): ignored by readers, removed below next time
    for (const n of readdirSync(this.dir)) {
      const g = logGen(n);
      if (g !== null && g <= s.gen) unlinkSync(join(this.dir, n));
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
