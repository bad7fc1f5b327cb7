// Timestamps as s6-log writes them and s6-tai64nlocal reads them: the TAI64N label
// (`@` + 24 hex digits) and the local "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" form.
import { realtime } from '../native/index.js';
import { TAI_OFFSET, writeLabel } from '../s6/tai.js';

export { scanLabel } from '../s6/tai.js';

// skalibs' leap second table, as "TAI - 10" seconds since the epoch: one entry per inserted
// second, the last on 2017-01-01.
const LEAPS = [
  78796800, 94694401, 126230402, 157766403, 189302404, 220924805, 252460806, 283996807,
  315532808, 362793609, 394329610, 425865611, 489024012, 567993613, 631152014, 662688015,
  709948816, 741484817, 773020818, 820454419, 867715220, 915148821, 1136073622, 1230768023,
  1341100824, 1435708825, 1483228826,
];

/** The wall clock now, as [Unix seconds, nanoseconds]. */
export function wallclock(): [number, number] {
  return realtime();
}

/** The TAI64N label of a wall-clock instant (TAI = Unix + 37 today, as Debian's skalibs). */
export function labelOf(unixSec: number, nsec: number): Buffer {
  const b = Buffer.allocUnsafe(25);
  writeLabel(b, 0, unixSec + TAI_OFFSET, nsec);
  return b;
}

/** Civil date of a day count since 1970-01-01 (proleptic Gregorian, any range). */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

const MAX_DATE_SEC = 8.64e12;
const Y2000 = 946684800;
const CYCLE = 146097 * 86400; // the Gregorian calendar repeats every 400 years

/** Seconds east of UTC of the local zone (TZ) at a Unix time. Beyond what Date can hold, the
 * same day of a 400-year cycle near 2000 stands in (the zone's last rule applies to both). */
function zoneOffset(unixSec: number): number {
  const t = Math.abs(unixSec) < MAX_DATE_SEC ? unixSec : Y2000 + ((((unixSec - Y2000) % CYCLE) + CYCLE) % CYCLE);
  return -new Date(t * 1000).getTimezoneOffset() * 60;
}

const p2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** "YYYY-MM-DD HH:MM:SS" of a Unix time, local (TZ) or UTC, as localtm_fmt prints it.
 * `leap` shows the inserted leap second as :60, as skalibs does. */
export function formatSeconds(unixSec: number, local: boolean, leap = false): string {
  const t = leap ? unixSec - 1 : unixSec;
  const s = t + (local ? zoneOffset(t) : 0);
  const days = Math.floor(s / 86400);
  let rem = s - days * 86400;
  const [y, mo, d] = civil(days);
  const hh = Math.floor(rem / 3600);
  rem -= hh * 3600;
  const mm = Math.floor(rem / 60);
  const ss = rem - mm * 60 + (leap ? 1 : 0);
  return `${y}-${p2(mo)}-${p2(d)} ${p2(hh)}:${p2(mm)}:${p2(ss)}`;
}

/** The nine digits skalibs prints for nanoseconds (a value over 999999999 keeps its first nine). */
export function formatNanos(nsec: number): string {
  const s = String(nsec);
  return s.length >= 9 ? s.slice(0, 9) : s.padStart(9, '0');
}

/** Local time of a wall-clock instant, as the T directive prints it (without the two spaces). */
export function localStamp(unixSec: number, nsec: number): string {
  return formatSeconds(unixSec, true) + '.' + formatNanos(nsec);
}

/** Unix seconds of a TAI second count (the label's 8 bytes minus 2^62), or null when skalibs
 * would refuse it (before the epoch). `leap` is true during an inserted leap second. */
export function unixFromTai(taiSec: number): { unix: number; leap: boolean } | null {
  const tt = taiSec - 10;
  let d = 0;
  let leap = false;
  for (const l of LEAPS) {
    if (tt < l) break;
    if (tt === l) leap = true;
    else d++;
  }
  const unix = tt - d;
  return unix < 0 ? null : { unix, leap };
}

