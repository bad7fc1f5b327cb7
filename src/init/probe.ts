// Exec probes for an orchestrator: is the container ready (every named or every wanted-up
// service up, and ready when it notifies readiness), is it alive (init running, every
// service supervised). Read from the same on-disk s6 interface any s6 tool reads.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLocked } from '../s6/lockfile.js';
import { readStatus } from '../s6/status.js';
import { alive } from '../s6/signals.js';
import type { Layout } from './layout.js';

export interface ProbeResult { ok: boolean; why: string }

interface InitState { pid: number; phase: string }

function initState(l: Layout): InitState | null {
  try {
    return JSON.parse(readFileSync(l.stateFile, 'utf8')) as InitState;
  } catch {
    return null;
  }
}

/** The services of a scan directory (rc's links included), without the hidden ones. */
export function servicesOf(scanDir: string): string[] {
  try {
    return readdirSync(scanDir).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/** One service: null when it is up (and ready, if it notifies), else why not. */
export function serviceNotReady(scanDir: string, name: string): string | null {
  const dir = join(scanDir, name);
  if (!existsSync(dir)) return `${name}: no such service`;
  let st;
  try {
    if (!isLocked(join(dir, 'supervise', 'lock'))) return `${name}: not supervised`;
    st = readStatus(dir);
  } catch {
    return `${name}: not supervised`;
  }
  if (!st.pid || st.finishing) return `${name}: down`;
  if (existsSync(join(dir, 'notification-fd')) && !st.ready) return `${name}: up but not ready`;
  return null;
}

/** `scanOnly`: a plain scan directory, no init around it. */
export function probeReady(l: Layout, names: string[], scanOnly = false): ProbeResult {
  if (!scanOnly) {
    const s = initState(l);
    if (!s || !alive(s.pid)) return { ok: false, why: 'init is not running' };
    if (s.phase !== 'running' || !existsSync(l.readyFile)) return { ok: false, why: `container is ${s.phase}` };
  }
  let list = names;
  if (!list.length) {
    list = servicesOf(l.scanDir).filter((n) => {
      try {
        return readStatus(join(l.scanDir, n)).wantUp;
      } catch {
        return true; // not supervised yet: it counts, and is reported
      }
    });
  }
  const bad = list.map((n) => serviceNotReady(l.scanDir, n)).filter((x): x is string => x !== null);
  return bad.length ? { ok: false, why: `not ready: ${bad.join(', ')}` } : { ok: true, why: `ready: ${list.length} service(s)` };
}

export function probeLive(l: Layout, scanOnly = false): ProbeResult {
  if (!scanOnly) {
    const s = initState(l);
    if (!s || !alive(s.pid)) return { ok: false, why: 'init is not running' };
  }
  const bad = servicesOf(l.scanDir).filter((n) => {
    try {
      return !isLocked(join(l.scanDir, n, 'supervise', 'lock'));
    } catch {
      return true;
    }
  });
  return bad.length ? { ok: false, why: `not supervised: ${bad.join(', ')}` } : { ok: true, why: 'live' };
}
