// Reading the apps' s6-log directories: rotated archives (@TAI64N.s / .u) then `current`, every
// line with its time (a TAI64N label, an ISO 8601 stamp, or none), merged across apps in time
// order; and following `current` across rotations without losing a line (the renamed file is
// found by its inode and read to its end before the new `current`).
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseTainLabel, taiToUnixMs } from '../s6/tai.js';

export interface LogRecord {
  app: string;
  /** ms since the epoch, or null for a line without a stamp */
  time: number | null;
  line: string;
}

export interface LogSource { app: string; dir: string }

// s6-log's `T`: `2026-11-29 01:27:04.910871254` (local time) and two spaces; ISO with a T too
const ISO = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)? {1,2}/;

function isoMs(m: RegExpExecArray): number {
  const frac = m[3] ? m[3].slice(0, 4) : '';
  return Date.parse(`${m[1]}T${m[2]}${frac}${m[4] ?? ''}`);
}

/** One line as s6-log wrote it: `@4000… text`, `2026-…Z text`, or bare text. */
export function parseLine(app: string, raw: string): LogRecord {
  if (raw.startsWith('@') && raw.length >= 25 && raw[25] === ' ') {
    const t = parseTainLabel(raw.slice(0, 25));
    if (t) {
      const rest = raw.slice(26);
      const iso = ISO.exec(rest);
      return { app, time: taiToUnixMs(t), line: iso ? rest.slice(iso[0].length) : rest };
    }
  }
  const iso = ISO.exec(raw);
  if (iso) {
    const ms = isoMs(iso);
    if (!Number.isNaN(ms)) return { app, time: ms, line: raw.slice(iso[0].length) };
  }
  return { app, time: null, line: raw };
}

/** The files of a log directory, oldest first. */
export function logFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const archives = names.filter((n) => /^@[0-9a-f]{24}\.[su]$/.test(n)).sort();
  return [...archives.map((n) => join(dir, n)), ...(names.includes('current') ? [join(dir, 'current')] : [])];
}

function readLines(file: string, upTo?: number): string[] {
  let t: string;
  try {
    const b = readFileSync(file);
    t = (upTo === undefined ? b : b.subarray(0, upTo)).toString('utf8');
  } catch {
    return [];
  }
  const lines = t.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Every record of every source, merged by time (stable: unstamped lines keep their place). */
export function readAll(sources: LogSource[], since?: number, cutoff?: Map<string, number>): LogRecord[] {
  const all: LogRecord[] = [];
  for (const s of sources) {
    let last = 0;
    for (const f of logFiles(s.dir)) {
      for (const l of readLines(f, f.endsWith('/current') ? cutoff?.get(s.app) : undefined)) {
        const r = parseLine(s.app, l);
        // an unstamped line sorts with the line before it
        const key = r.time ?? last;
        last = key;
        if (since !== undefined && key < since) continue;
        all.push(Object.assign(r, { _k: key }));
      }
    }
  }
  return all
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r as LogRecord & { _k: number })._k - (b.r as LogRecord & { _k: number })._k || a.i - b.i)
    .map(({ r }) => { delete (r as Partial<LogRecord & { _k: number }>)._k; return r; });
}

/** How far each file of one log directory has been read, by identity: inode and birth time,
 * since a rotation that deletes an old archive can free an inode that the next `current` gets. */
interface Cursor { done: Map<string, number>; partial: string }

const identity = (st: { ino: number; birthtimeMs: number }): string => `${st.ino}:${st.birthtimeMs}`;

/** The files to follow, oldest first: archives, `previous` (being processed), `current`. */
function followFiles(dir: string): Array<{ path: string; id: string; size: number }> {
  const names = logFiles(dir);
  const prev = join(dir, 'previous');
  const list = [...names.filter((f) => !f.endsWith('/current')), prev, join(dir, 'current')];
  const out: Array<{ path: string; id: string; size: number }> = [];
  for (const path of list) {
    try {
      const st = statSync(path);
      const id = identity(st);
      if (!out.some((o) => o.id === id)) out.push({ path, id, size: st.size });
    } catch { /* not there */ }
  }
  return out;
}

function startCursor(s: LogSource): Cursor {
  return { done: new Map(followFiles(s.dir).map((f) => [f.id, f.size])), partial: '' };
}

/** Reads what was appended to one log directory since the cursor, whatever was rotated
 * (renamed files are known by inode, so nothing is read twice or skipped). */
function readNew(s: LogSource, c: Cursor): LogRecord[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of followFiles(s.dir)) {
    seen.add(f.id);
    // smaller than what was read: another file now has that inode (the birth time is not known
    // on every filesystem); a new `current` starts empty, so it is read from its start
    let from = c.done.get(f.id) ?? 0;
    if (f.size < from) from = 0;
    if (f.size <= from) continue;
    let fd: number;
    try {
      fd = openSync(f.path, 'r');
    } catch {
      continue;
    }
    try {
      const buf = Buffer.alloc(f.size - from);
      const n = readSync(fd, buf, 0, buf.length, from);
      const lines = (c.partial + buf.subarray(0, n).toString('utf8')).split('\n');
      c.partial = lines.pop()!;
      out.push(...lines);
      c.done.set(f.id, from + n);
    } finally {
      closeSync(fd);
    }
  }
  for (const id of [...c.done.keys()]) if (!seen.has(id)) c.done.delete(id);
  return out.map((l) => parseLine(s.app, l));
}

export interface ReadOptions {
  /** the last N records (default all) */
  lines?: number;
  since?: number;
  follow?: boolean;
  /** ms between looks at `current` while following */
  pollMs?: number;
  signal?: AbortSignal;
}

/** The records, oldest first; with `follow`, then every new one as it is written. */
export async function* readLogs(sources: LogSource[], o: ReadOptions = {}): AsyncGenerator<LogRecord> {
  // cursors first, so nothing written while the history is read is lost
  const cursors = new Map<string, Cursor>(sources.map((s) => [s.app, startCursor(s)]));
  const cutoff = new Map<string, number>();
  for (const s of sources) {
    try {
      cutoff.set(s.app, cursors.get(s.app)!.done.get(identity(statSync(join(s.dir, 'current')))) ?? 0);
    } catch { cutoff.set(s.app, 0); }
  }
  // the history stops where the cursors start
  let hist = readAll(sources, o.since, cutoff);
  if (o.lines !== undefined) hist = o.lines === 0 ? [] : hist.slice(-o.lines);
  for (const r of hist) yield r;
  if (!o.follow) return;
  while (!o.signal?.aborted) {
    for (const s of sources) for (const r of readNew(s, cursors.get(s.app)!)) yield r;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
  }
}

/** `--since`: an ISO date, or `30s`, `10m`, `2h`, `1d` ago. */
export function parseSince(s: string, now = Date.now()): number | null {
  const m = /^(\d+)(s|m|h|d)$/.exec(s);
  if (m) return now - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}
