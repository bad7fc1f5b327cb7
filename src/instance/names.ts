// Validation of the names the instance tools take, and quoting for the scripts they write.
import { Fatal } from '../s6/diag.js';

/** s6's rule for an instance name: not empty, no leading `.`, none of space, tab, form feed,
 * carriage return or newline. A `/` is refused too (s6 2.11 lets it through and then fails
 * on a path that does not exist). */
export function isValidInstanceName(name: string): boolean {
  return name !== '' && name[0] !== '.' && !/[ \t\f\r\n/]/.test(name);
}

export function checkInstanceName(name: string): void {
  if (!isValidInstanceName(name)) throw new Fatal(100, 'invalid instance name');
}

export function checkServicePath(service: string): void {
  if (!service) throw new Fatal(100, 'invalid service path');
}

/** A word for /bin/sh that stands for exactly `s`: single quotes, each `'` written `'\''`. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
