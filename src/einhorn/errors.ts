// Start-up failures of the master, and the one-line text of a system error.
import * as native from '../native/index.js';

export class StartupError extends Error {}

export function errMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'errno' in e && typeof (e as { errno: unknown }).errno === 'number') {
    return native.strerror((e as { errno: number }).errno);
  }
  return e instanceof Error ? e.message : String(e);
}
