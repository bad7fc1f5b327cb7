// Messages a person reads, in s6's shape: `PROG: fatal: what: why` or `PROG: warning: …`.
import { strerror } from '../native/index.js';

/** A fatal condition: the command prints the message and exits with `code`. */
export class Fatal extends Error {
  constructor(public readonly code: number, message: string) {
    super(message);
  }
}

/** The C library's text for a Node or addon error (`No such file or directory`). */
export function errText(e: unknown): string {
  if (e && typeof e === 'object' && 'errno' in e && typeof (e as { errno: unknown }).errno === 'number') {
    return strerror((e as { errno: number }).errno);
  }
  return e instanceof Error ? e.message : String(e);
}

export function errCode(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Fatal "unable to WHAT: strerror", the shape of strerr_diefu*sys. */
export function fatalSys(code: number, what: string, e: unknown): Fatal {
  return new Fatal(code, `unable to ${what}: ${errText(e)}`);
}

export type Warn = (message: string) => void;

export function stderrWarner(prog: string): Warn {
  return (message: string) => {
    process.stderr.write(`${prog}: warning: ${message}\n`);
  };
}
