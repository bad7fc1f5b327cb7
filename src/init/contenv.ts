// The container environment, saved at start as s6-overlay does (one file per variable under
// run/s6/container_environment, the value as the file's content) so that `with-contenv` can
// give it back to scripts that run with the tree's minimal environment.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rmrf } from '../s6/tree.js';

/** Written to a temporary directory, then renamed: a reader sees all of it or none. */
export function saveContainerEnv(dir: string, env: NodeJS.ProcessEnv): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.new.${process.pid}`;
  rmrf(tmp);
  mkdirSync(tmp, { mode: 0o755 });
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || !k || k.includes('/') || k === '.' || k === '..') continue;
    writeFileSync(join(tmp, k), v, { mode: 0o644 });
  }
  rmrf(dir);
  renameSync(tmp, dir);
}

export function loadContainerEnv(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of readdirSync(dir)) out[k] = readFileSync(join(dir, k), 'utf8');
  return out;
}

/** What the supervision tree sees when S6_KEEP_ENV is 0: a PATH and the few variables init
 * itself sets; scripts that need the rest use with-contenv. */
export function minimalEnv(env: NodeJS.ProcessEnv, root: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: env.PATH || '/command:/usr/bin:/bin:/usr/sbin:/sbin' };
  if (root !== '/') out.HEXAD_INIT_ROOT = root;
  if (env.HEXAD_NODE) out.HEXAD_NODE = env.HEXAD_NODE;
  return out;
}

/** `env` as the string list posix_spawn takes. */
export const envList = (env: NodeJS.ProcessEnv): string[] =>
  Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
