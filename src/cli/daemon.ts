// What every long-running hexad command does once it has started.
import { trimCode } from '../native/index.js';

/** A few seconds after start-up, give back the resident pages of code and constants that only
 * start-up used (Node's binary is ~38 MB of them); what keeps running faults back in. */
export function settleMemory(afterMs = 2000): void {
  setTimeout(() => {
    try {
      trimCode();
    } catch { /* an optimisation only */ }
  }, afterMs).unref();
}
