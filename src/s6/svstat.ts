// s6-svstat's output: the human line and the -o fields, exactly as 2.11 prints them.
import { signalName } from './signals.js';
import { isUp, wstatExitCode, wstatSignal, wstatSignaled, type SvStatus } from './status.js';
import { secondsSince, tainLabel, type Tain } from './tai.js';

export interface StatusView { status: SvStatus; normallyUp: boolean; now: Tain }

export function humanLine(v: StatusView, numeric: boolean): string {
  const s = v.status;
  const up = isUp(s);
  const stamp = secondsSince(s.stamp, v.now);
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
  if (s.ready) out += `, ready ${secondsSince(s.readyStamp, v.now)} seconds`;
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
  ['exitcode', (v) => String(isUp(v.status) || wstatSignaled(v.status.wstat) ? -1 : wstatExitCode(v.status.wstat))],
  ['signal', (v) => { const n = downSignal(v.status); return n < 0 ? 'NA' : signalName(n); }],
  ['signum', (v) => String(downSignal(v.status))],
  ['updownsince', (v) => tainLabel(v.status.stamp)],
  ['readysince', (v) => tainLabel(v.status.readyStamp)],
  ['updownfor', (v) => String(secondsSince(v.status.stamp, v.now))],
  ['readyfor', (v) => String(secondsSince(v.status.readyStamp, v.now))],
];

export function fieldByName(typed: string): Field | undefined {
  return FIELDS.find(([name]) => name.startsWith(typed))?.[1];
}

export function fieldByLetter(letter: string): Field | undefined {
  const name = ({ u: 'up', w: 'wantedup', N: 'normallyup', r: 'ready', p: 'pid', e: 'exitcode', s: 'signal', t: 'updownfor' } as Record<string, string>)[letter];
  return name ? fieldByName(name) : undefined;
}
