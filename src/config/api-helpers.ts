// Small lookups shared by the CLI and the library API.
import { join, resolve, dirname } from 'node:path';
import { Fatal } from '../s6/diag.js';
import { statePaths } from './compile.js';
import type { LoadedConfig } from './load.js';
import type { LogSource } from './logs.js';

/** The log directories of `names` (default: every app with a log). */
export function logSources(lc: LoadedConfig, names: string[] = []): LogSource[] {
  const p = statePaths(lc.stateDir);
  const base = dirname(lc.file);
  const apps = names.length ? names.map((n) => lc.config.apps.find((a) => a.name === n) ?? (() => { throw new Fatal(100, `no app named ${n} in ${lc.file}`); })()) : lc.config.apps;
  return apps.filter((a) => a.log !== false && !a.oneshot).map((a) => ({ app: a.name, dir: resolve(base, (a.log && a.log.dir) || join(p.logs, a.name)) }));
}
