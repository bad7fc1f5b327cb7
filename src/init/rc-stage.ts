// The s6-rc part of stage 2: the user's etc/s6-overlay/s6-rc.d merged with the bundles
// s6-overlay itself ships (base, user, user2…), compiled with `hexad rc-compile`, the live
// state set up on the scanner init hosts (`hexad rc-init`), then bundles brought up with
// `hexad rc change`. The tools run as children, as s6-overlay runs s6-rc.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { hiercopy, rmrf } from '../s6/tree.js';
import type { Layout } from './layout.js';
import { runToEnd, type Exit } from './procs.js';

const HEXAD_BIN = fileURLToPath(new URL('../../../bin/hexad.js', import.meta.url));

/** Bundles s6-overlay provides, that user definitions depend on or add to. Empty here: the
 * work they stand for (cont-init.d, services.d) is done by init around the rc stage. */
const OVERLAY_BUNDLES = ['base', 'user', 'user2', 'legacy-cont-init', 'legacy-services'];

export interface ToolRunner {
  env: string[];
  stdio: number[];
  verbosity: number;
}

/** Runs `hexad ARGS…` to completion. */
export function hexadTool(args: string[], t: ToolRunner, maxMs = 0): Promise<Exit & { timedOut: boolean }> {
  const node = process.execPath;
  return runToEnd(node, [node, HEXAD_BIN, ...args], { cwd: '/', env: t.env, stdio: t.stdio, maxMs });
}

/** The source tree rc-compile reads: the user's definitions plus the overlay's bundles. */
export function mergeSources(l: Layout): void {
  rmrf(l.rcMergedSource);
  mkdirSync(l.rcMergedSource, { recursive: true });
  for (const name of readdirSync(l.rcSource)) {
    if (name.startsWith('.')) continue;
    hiercopy(join(l.rcSource, name), join(l.rcMergedSource, name), { followTop: true });
  }
  for (const b of OVERLAY_BUNDLES) {
    const dir = join(l.rcMergedSource, b);
    // users add to these bundles with contents.d/ files and need not write the type
    if (!existsSync(join(dir, 'type'))) {
      mkdirSync(join(dir, 'contents.d'), { recursive: true });
      writeFileSync(join(dir, 'type'), 'bundle\n');
    } else if (!existsSync(join(dir, 'contents')) && !existsSync(join(dir, 'contents.d'))) {
      mkdirSync(join(dir, 'contents.d'));
    }
  }
}

/** Names of the extra bundles listed in etc/s6-overlay/user-bundles.d (one per file name). */
export function extraBundles(l: Layout): string[] {
  if (!existsSync(l.userBundles)) return [];
  return readdirSync(l.userBundles).filter((n) => !n.startsWith('.')).sort();
}

export interface RcFailure { step: string; exit: Exit & { timedOut: boolean } }

/** Compiles and sets up the live state; null when it worked. */
export async function compileAndInit(l: Layout, t: ToolRunner): Promise<RcFailure | null> {
  mergeSources(l);
  rmrf(l.rcCompiled);
  let e = await hexadTool(['rc-compile', '-v', String(Math.min(t.verbosity, 1)), l.rcCompiled, l.rcMergedSource], t);
  if (e.code) return { step: 'rc-compile', exit: e };
  e = await hexadTool(['rc-init', '-c', l.rcCompiled, '-l', l.rcLive, l.scanDir], t);
  if (e.code) return { step: 'rc-init', exit: e };
  return null;
}

/** `rc -u change BUNDLE`, within `maxMs` when not 0. */
export async function bringUp(l: Layout, bundle: string, t: ToolRunner, maxMs: number): Promise<RcFailure | null> {
  const args = ['rc', '-v', String(t.verbosity), '-l', l.rcLive];
  if (maxMs) args.push('-t', String(maxMs));
  const e = await hexadTool([...args, '-u', 'change', bundle], t, maxMs ? maxMs + 5000 : 0);
  return e.code ? { step: `rc -u change ${bundle}`, exit: e } : null;
}

/** Stage 3: every rc service down, in reverse dependency order, within `maxMs`. */
export async function bringAllDown(l: Layout, t: ToolRunner, maxMs: number): Promise<RcFailure | null> {
  if (!existsSync(l.rcLive)) return null;
  const args = ['rc', '-v', String(t.verbosity), '-l', l.rcLive];
  if (maxMs) args.push('-t', String(maxMs));
  const e = await hexadTool([...args, '-bda', 'change'], t, maxMs ? maxMs + 2000 : 0);
  return e.code ? { step: 'rc -da change', exit: e } : null;
}
