// s6-svstat's output: the human line and the -o fields, exactly as 2.11 prints them.
import { signalName } from './signals.js';
import { isUp, wstatExitCode, wstatSignal, wstatSignaled, type SvStatus } from './status.js';
import { secondsSince, tainLabel, type Tain } from './tai.js';

/** `raw` is the status file as read: its stamps are used bit for bit when present (a corrupt
 * file's stamps do not fit a double). */
export interface StatusView { status: SvStatus; normallyUp: boolean; now: Tain; raw?: Buffer }

const U64 = (1n << 64n) - 1n;

/** Whole seconds from the label at `off` of the raw status to now, as skalibs' tain_sub counts
 * them: unsigned 64-bit, so a stamp in the future wraps around (s6-svstat prints that as is). */
function ago(v: StatusView, off: 0 | 12): number | string {
  const t = off === 0 ? v.status.stamp : v.status.readyStamp;
  if (!v.raw) return secondsSince(t, v.now);
  const label = v.raw.readBigUInt64BE(off);
  const nsec = v.raw.readUInt32BE(off + 8);
  const now = BigInt(v.now.sec) + (1n << 62n);
  const diff = (now - label - (v.now.nsec < nsec ? 1n : 0n)) & U64;
  return diff.toString();
}

export function humanLine(v: StatusView, numeric: boolean): string {
  const s = v.status;
  const up = isUp(s);
  const stamp = ago(v, 0);
  let out: string;
  if (up) out = `up (pid ${s.pid}) `;
  else if (wstatSignaled(s.wstat)) {
    const sig = wstatSignal(s.wstat);
    out = `down (signal ${numeric ? sig : signalName(sig)}) `;
  } else out = `down (exitcode ${wstatExitCode(s.wstat)}) `;
  out += `${stamp} seconds`;
  if (up && !v.normallyUp) out += ', normally down';
  if (!up && v.normallyUp) out += ', normally up';
  if (up && s.paused) out += ', paused';
  if (!up && s.wantUp) out += ', want up';
  if (up && !s.wantUp) out += ', want down';
  if (s.ready) out += `, ready ${ago(v, 12)} seconds`;
  return out;
}

type Field = (v: StatusView) => string;

const bool = (b: boolean): string => (b ? 'true' : 'false');
const downSignal = (s: SvStatus): number => (isUp(s) || !wstatSignaled(s.wstat) ? -1 : wstatSignal(s.wstat));

/** In 2.11's order: an abbreviation selects the first field it begins. */
export const FIELDS: ReadonlyArray<[string, Field]> = [
  ['up', (v) => bool(isUp(v.status))],
  ['wantedup', (v) => bool(v.status.wantUp)],
  ['normallyup', (v) => bool(v.normallyUp)],
  ['ready', (v) => bool(v.status.pid !== 0 && v.status.ready)],
  ['paused', (v) => bool(v.status.paused)],
  ['pid', (v) => String(isUp(v.status) ? v.status.pid : -1)],
  // WIFEXITED, stricter than "not signaled": a stopped-looking status (0x7f) is neither
  ['exitcode', (v) => String(isUp(v.status) || (v.status.wstat & 0x7f) !== 0 ? -1 : wstatExitCode(v.status.wstat))],
  ['signal', (v) => { const n = downSignal(v.status); return n < 0 ? 'NA' : signalName(n); }],
  ['signum', (v) => String(downSignal(v.status))],
  ['updownsince', (v) => (v.raw ? '@' + v.raw.toString('hex', 0, 12) : tainLabel(v.status.stamp))],
  ['readysince', (v) => (v.raw ? '@' + v.raw.toString('hex', 12, 24) : tainLabel(v.status.readyStamp))],
  ['updownfor', (v) => String(ago(v, 0))],
  ['readyfor', (v) => String(ago(v, 12))],
];

export function fieldByName(typed: string): Field | undefined {
  return FIELDS.find(([name]) => name.startsWith(typed))?.[1];
}

export function fieldByLetter(letter: string): Field | undefined {
  const name = ({ u: 'up', w: 'wantedup', N: 'normallyup', r: 'ready', p: 'pid', e: 'exitcode', s: 'signal', t: 'updownfor' } as Record<string, string>)[letter];
  return name ? fieldByName(name) : undefined;
}
