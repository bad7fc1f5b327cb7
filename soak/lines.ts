// Numbered lines: a writer service that resumes its numbering across restarts, and the count of
// lost / duplicated / out-of-order lines across a log directory's archives and `current`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, NODE } from './tree.js';

// Writes lines `soak NNNNNNNN ...` from the number saved in STATE up to TOTAL, in chunks, each
// written completely before the next number is counted as sent. SIGTERM (svc -r) is handled
// between chunks only, so the saved number is exactly the first line not yet in the pipe.
const WRITER = `'use strict';
const fs = require('fs');
const [state, totalS] = process.argv.slice(2);
const total = Number(totalS);
const pad = 'x'.repeat(40);
let next = 0;
try { next = Number(fs.readFileSync(state, 'utf8')) || 0; } catch {}
let stop = false;
process.on('SIGTERM', () => { stop = true; });
const save = () => { fs.writeFileSync(state + '.tmp', String(next)); fs.renameSync(state + '.tmp', state); };
const nap = new Int32Array(new SharedArrayBuffer(4));
function writeAll(buf) {
  let off = 0;
  while (off < buf.length) {
    try { off += fs.writeSync(1, buf, off, buf.length - off); }
    catch (e) { if (e.code !== 'EAGAIN') throw e; Atomics.wait(nap, 0, 0, 2); }
  }
}
function step() {
  if (stop) { save(); process.exit(0); }
  if (next >= total) { save(); setInterval(() => { if (stop) process.exit(0); }, 50); return; }
  const end = Math.min(total, next + 64);
  let s = '';
  for (let i = next; i < end; i++) s += 'soak ' + String(i).padStart(8, '0') + ' ' + pad + '\\n';
  writeAll(Buffer.from(s));
  next = end;
  setImmediate(step);
}
step();
`;

/** A service directory whose run script writes `total` numbered lines; returns the state file
 * (the next number to write) so that the caller can tell when the writer is done. */
export function writerService(dir: string, total: number, logRun: string | null): string {
  const state = join(dir, '..', `${dir.split('/').pop()}.next`);
  put(join(dir, '..', 'writer.cjs'), WRITER);
  put(join(dir, 'run'), `#!/bin/sh\nexport SOAK_SVC=writer\nexec ${NODE} ${join(dir, '..', 'writer.cjs')} ${state} ${total}\n`);
  if (logRun !== null) put(join(dir, 'log', 'run'), `#!/bin/sh\nexport SOAK_SVC=logger\n${logRun}\n`);
  return state;
}

export function writerNext(state: string): number {
  try {
    return Number(readFileSync(state, 'utf8')) || 0;
  } catch {
    return 0;
  }
}

export interface LineCount { seen: number; lost: number; doubled: number; outOfOrder: number; garbled: number; files: number }

/** Reads the archives (in name order: TAI64N names sort by time), then `previous`, then
 * `current`, and counts against lines 0..total-1. */
export function countLines(dirs: string[], total: number): LineCount {
  const hits = new Uint32Array(total);
  let seen = 0;
  let outOfOrder = 0;
  let garbled = 0;
  let files = 0;
  let last = -1;
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch { continue; }
    const order = [...names.filter((n) => n.startsWith('@')).sort(), ...['previous', 'current'].filter((n) => names.includes(n))];
    for (const name of order) {
      files++;
      let text = '';
      try {
        text = readFileSync(join(dir, name), 'latin1');
      } catch { continue; }
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const m = /soak (\d{8}) x{40}$/.exec(line);
        if (!m) { garbled++; continue; }
        const n = Number(m[1]);
        if (n >= total) { garbled++; continue; }
        seen++;
        hits[n]++;
        if (n < last) outOfOrder++;
        last = n;
      }
    }
  }
  let lost = 0;
  let doubled = 0;
  for (let i = 0; i < total; i++) {
    if (hits[i] === 0) lost++;
    else doubled += hits[i] - 1;
  }
  return { seen, lost, doubled, outOfOrder, garbled, files };
}

/** First missing runs, for the report: "9700-9923, 12000-12001". */
export function missingRuns(dirs: string[], total: number, max = 3): string {
  const hits = new Uint8Array(total);
  for (const dir of dirs) {
    let names: string[] = [];
    try { names = readdirSync(dir); } catch { continue; }
    for (const name of names) {
      if (!(name.startsWith('@') || name === 'current' || name === 'previous')) continue;
      for (const m of readFileSync(join(dir, name), 'latin1').matchAll(/soak (\d{8}) /g)) {
        const n = Number(m[1]);
        if (n < total) hits[n] = 1;
      }
    }
  }
  const runs: string[] = [];
  for (let i = 0; i < total && runs.length < max; i++) {
    if (hits[i]) continue;
    let j = i;
    while (j + 1 < total && !hits[j + 1]) j++;
    runs.push(i === j ? `${i}` : `${i}-${j}`);
    i = j;
  }
  return runs.join(', ');
}
