// Signal names and numbers as skalibs' sig0_scan and s6-svstat print and read them.
import { constants } from 'node:os';

const byNumber = new Map<number, string>();
for (const [name, num] of Object.entries(constants.signals)) {
  if (!byNumber.has(num)) byNumber.set(num, name);
}
// Linux aliases: prefer the names skalibs prints.
byNumber.set(constants.signals.SIGABRT, 'SIGABRT');
byNumber.set(constants.signals.SIGIO, 'SIGIO');
byNumber.set(constants.signals.SIGSYS, 'SIGSYS');

/** `SIGTERM` for 15; `SIG<n>` for numbers without a name. */
export function signalName(num: number): string {
  return byNumber.get(num) ?? String(num);
}

/** A signal number from `15`, `TERM`, `SIGTERM`, `sigterm`…; null when it is none. */
export function parseSignal(text: string): number | null {
  const s = text;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n > 0 && n < 65 ? n : null;
  }
  const up = s.toUpperCase();
  const name = up.startsWith('SIG') ? up : 'SIG' + up;
  const n = (constants.signals as Record<string, number>)[name];
  return n === undefined ? null : n;
}

export function signalNumber(name: string): number {
  const n = (constants.signals as Record<string, number>)[name];
  if (n === undefined) throw new Error(`unknown signal ${name}`);
  return n;
}

/** Is process `pid` still there? Signal 0 only asks (0 and -1 would ask a whole group: false);
 * EPERM means it is, as another user. */
export function alive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
