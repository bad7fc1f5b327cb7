// `rc`: queries (list, listall, diff) and state changes (change, start, stop) on a live
// directory, as s6-rc 0.5.4.1 does them (§4), plus --json output.
import { join } from 'node:path';
import { Fatal, errText } from '../s6/diag.js';
import { readStatus } from '../s6/status.js';
import { loadDb, type Database } from './db.js';
import type { Output } from './engine.js';
import { readState, scandirOf, takeLiveLocks } from './live.js';

export type RcCommand = 'list' | 'listall' | 'diff' | 'change';

export interface RcOptions {
  live: string;
  command: RcCommand;
  names: string[];
  up: boolean;
  forceStop: boolean;
  prune: boolean;
  selectLive: boolean;
  verbosity: number;
  dryRun: number | null;
  /** ms, 0 = none */
  timeout: number;
  locks: boolean;
  blocking: boolean;
  json: boolean;
  out: Output;
  stdout(text: string): void;
}

export function rcHelp(prog: string): string {
  return [
    'help',
    '[ -l live ] [ -a ] list [ servicenames... ]',
    '[ -l live ] [ -a ] [ -u | -d ] listall [ servicenames... ]',
    '[ -l live ] diff',
    '[ -l live ] [ -a ] [ -u | -d | -D ] [ -p ] [ -v verbosity ] [ -t timeout ] [ -n dryrunthrottle ] change [ servicenames... ]',
  ].map((l) => `${prog} ${l}\n`).join('');
}

/** Runs one rc command; resolves to the exit code. */
export async function rc(o: RcOptions): Promise<number> {
  if (o.locks) takeLiveLocks(o.live, o.command === 'change', o.blocking);
  const db = loadDb(join(o.live, 'compiled'), join(o.live, 'compiled'));
  const state = readState(o.live, db.n);
  if (o.command === 'diff') return diff(db, o, state);

  const sel = new Uint8Array(db.n);
  for (const name of o.names) {
    const r = db.resolve(name);
    if (!r) throw new Fatal(3, `${name} is not a recognized identifier in ${o.live}/compiled`);
    for (const i of r) sel[i] = 1;
  }
  if (o.selectLive) for (let i = 0; i < db.n; i++) if (state[i]) sel[i] = 1;

  if (o.command === 'list') {
    if (!o.up) for (let i = 0; i < db.n; i++) sel[i] ^= 1;
    printSelection(db, sel, state, o);
    return 0;
  }
  db.close(sel, o.up);
  if (o.command === 'listall') {
    printSelection(db, sel, state, o);
    return 0;
  }
  return change(db, sel, state, o);
}

function printSelection(db: Database, sel: Uint8Array, state: Uint8Array, o: RcOptions): void {
  const picked: number[] = [];
  for (let i = 0; i < db.n; i++) if (sel[i]) picked.push(i);
  if (o.json) {
    o.stdout(JSON.stringify(picked.map((i) => ({ name: db.services[i].name, type: db.services[i].type, up: !!state[i] }))) + '\n');
  } else o.stdout(picked.map((i) => db.services[i].name + '\n').join(''));
}

/** Longruns whose supervisor's want-up differs from rc's state: `+name` (s6 wants it up,
 * rc thinks it is down) or `-name`. The internal services have no supervisor in hexad. */
function diff(db: Database, o: RcOptions, state: Uint8Array): number {
  const rows: Array<{ name: string; rcUp: boolean; wantedUp: boolean }> = [];
  for (let i = 0; i < db.nlong; i++) {
    const s = db.services[i];
    if (s.internal) continue;
    const dir = join(o.live, 'servicedirs', s.name);
    let wantUp: boolean;
    try {
      wantUp = readStatus(dir).wantUp;
    } catch (e) {
      throw new Fatal(111, `unable to read longrun status for ${dir}: ${errText(e)}`);
    }
    if (wantUp !== !!state[i]) rows.push({ name: s.name, rcUp: !!state[i], wantedUp: wantUp });
  }
  if (o.json) o.stdout(JSON.stringify(rows) + '\n');
  else o.stdout(rows.map((r) => `${r.wantedUp ? '+' : '-'}${r.name}\n`).join(''));
  return rows.length ? 1 : 0;
}

async function change(db: Database, sel: Uint8Array, state: Uint8Array, o: RcOptions): Promise<number> {
  const { Engine } = await import('./engine.js');   // queries do without it
  const engine = new Engine({
    db, live: o.live, scandir: scandirOf(o.live), state, verbosity: o.verbosity, dryRun: o.dryRun,
    forceStop: o.forceStop, deadline: o.timeout ? Date.now() + o.timeout : Infinity, out: o.out,
  });
  const onTerm = (): void => engine.interrupt('TERM');
  const onInt = (): void => engine.interrupt('INT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    let code: number;
    if (o.prune) {
      if (o.up) invert(sel);
      code = await engine.pass(sel, false);
      if (!code) {
        invert(sel);
        code = await engine.pass(sel, true);
      }
    } else code = await engine.pass(sel, o.up);
    if (code && o.verbosity) for (const line of engine.summary()) o.out.warn(line);
    return code;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    engine.close();
  }
}

function invert(sel: Uint8Array): void {
  for (let i = 0; i < sel.length; i++) sel[i] ^= 1;
}
