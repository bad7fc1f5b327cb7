import { uintArg } from './getopt.js';

/** -u -U -d -D -r -R, last one wins; `r`/`R` also wait for a restart. */
export function parseWantFlag(opts: [string, string | undefined][]): { up: boolean; ready: boolean; restart: boolean; timeout: number; or: boolean } {
  const w = { up: true, ready: false, restart: false, timeout: 0, or: false };
  for (const [o, arg] of opts) {
    if ('uUdDrR'.includes(o)) {
      w.up = 'uUrR'.includes(o);
      w.ready = 'UDR'.includes(o);
      w.restart = o === 'r' || o === 'R';
    } else if (o === 't') w.timeout = uintArg(arg);
    else if (o === 'a') w.or = false;
    else if (o === 'o') w.or = true;
  }
  return w;
}
