// Messages a person reads, in s6's shape: `PROG: fatal: what: why` or `PROG: warning: …`.
import { strerror } from '../native/index.js';
import { writeSync } from 'node:fs';

/** A fatal condition: the command prints the message and exits with `code`. */
export class Fatal extends Error {
  constructor(public readonly code: number, message: string) {
    super(message);
  }
}

/** The C library's text for a Node or addon error (`No such file or directory`). */
export function errText(e: unknown): string {
  if (e && typeof e === 'object' && 'errno' in e && typeof (e as { errno: unknown }).errno === 'number') {
    try {
      return strerror((e as { errno: number }).errno);
    } catch {
      // no addon: Node's own message, without its "ENOENT: … , open 'x'" decoration
      return e instanceof Error ? e.message.replace(/^[A-Z0-9_]+: ([^,]*).*$/s, '$1') : String(e);
    }
  }
  return e instanceof Error ? e.message : String(e);
}

export function errCode(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Fatal "unable to WHAT: strerror", the shape of strerr_diefu*sys. */
export function fatalSys(code: number, what: string, e: unknown): Fatal {
  // a missing native addon is its own one-line story, not the reason one call failed
  if (errCode(e) === 'HEXAD_NO_ADDON') return new Fatal(111, (e as Error).message);
  return new Fatal(code, `unable to ${what}: ${errText(e)}`);
}

export type Warn = (message: string) => void;

export function stderrWarner(prog: string): Warn {
  return (message: string) => {
    process.stderr.write(`${prog}: warning: ${message}\n`);
  };
}

/** Writes all of `text` to descriptor `fd` (1 or 2) synchronously, without creating
 * process.stdout / process.stderr: their stream machinery costs a short command ~5 ms of
 * start-up. A descriptor another part of the process made non-blocking is waited on. */
export function writeFd(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      if (errCode(e) !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

export const writeOut = (text: string): void => writeFd(1, text);
export const writeErr = (text: string): void => writeFd(2, text);
