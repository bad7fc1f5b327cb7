// For `hexad status`: the rc services living on a scan directory, with their type and rc
// state. Read-only; takes the shared locks of a query (like `rc list`) when it can. While an
// `rc change` holds the live directory, the state file is still read (it is rewritten
// atomically after each transition) and the result says `busy`.
import { closeSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadDb } from './db.js';
import { exists } from './files.js';
import { BusyError, DEFAULT_LIVE, readPrefix, readState, takeLock } from './live.js';

export interface RcServiceStatus {
  name: string;
  type: 'longrun' | 'oneshot';
  /** s6-rc's view: the state file's bit */
  up: boolean;
  essential: boolean;
  /** s6rc-oneshot-runner, s6rc-fdholder: provided by hexad svscan */
  internal: boolean;
  /** a longrun's entry in the scan directory (prefix + name) */
  link?: string;
}

export interface RcLiveStatus {
  live: string;
  compiled: string;
  prefix: string;
  /** an rc change or update held the live directory: the states may be mid-change */
  busy: boolean;
  services: RcServiceStatus[];
}

/** Every live directory linked into `scandir` (found through the scan directory's links,
 * plus /run/s6-rc and `extra`), and the state of each of its atomic services. */
export function rcStatus(scandir: string, extra: string[] = []): RcLiveStatus[] {
  let scanReal: string;
  try {
    scanReal = realpathSync(scandir);
  } catch {
    return [];
  }
  const candidates = new Set<string>([DEFAULT_LIVE, ...extra]);
  let entries: string[] = [];
  try {
    // only symbolic links can point into a live directory: skip the readlink of the rest
    entries = readdirSync(scandir, { withFileTypes: true }).filter((d) => d.isSymbolicLink()).map((d) => d.name);
  } catch { /* nothing linked */ }
  for (const e of entries) {
    if (e.startsWith('.')) continue;
    let target: string;
    try {
      target = resolve(scandir, readlinkSync(join(scandir, e)));
    } catch {
      continue;
    }
    if (dirname(dirname(target)).length > 1 && target.split('/').at(-2) === 'servicedirs') candidates.add(dirname(dirname(target)));
  }
  const out: RcLiveStatus[] = [];
  const seen = new Set<string>();
  for (const live of candidates) {
    try {
      if (!exists(join(live, 'state')) || realpathSync(join(live, 'scandir')) !== scanReal) continue;
      const real = realpathSync(live);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(readLive(live));
    } catch { /* not a live directory, or it vanished meanwhile */ }
  }
  return out;
}

function readLive(live: string): RcLiveStatus {
  const fds: number[] = [];
  let busy = false;
  try {
    for (const f of [join(live, 'lock'), join(live, 'compiled', 'lock')]) {
      try {
        fds.push(takeLock(f, 'r', false));
      } catch (e) {
        if (!(e instanceof BusyError)) throw e;
        busy = true;
      }
    }
    const compiled = join(live, 'compiled');
    const db = loadDb(compiled);
    const state = readState(live, db.n);
    const prefix = readPrefix(live);
    const services = db.services.map((s, i): RcServiceStatus => ({
      name: s.name,
      type: s.type,
      up: !!state[i],
      essential: !!(s.flags & 1),
      internal: !!s.internal,
      ...(s.type === 'longrun' && !s.internal ? { link: prefix + s.name } : {}),
    }));
    let compiledReal = compiled;
    try {
      compiledReal = realpathSync(compiled);
    } catch { /* keep the link */ }
    return { live, compiled: compiledReal, prefix, busy, services };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
