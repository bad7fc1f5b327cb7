// What the app commands (up, down, start, logs…) share: `-c FILE`, the loaded config, the state
// directory and the compiled database the running state uses.
import { Fatal } from '../s6/diag.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { statePaths, type CompiledConfig, type StatePaths } from '../config/compile.js';
import { currentDb, readCompiled, scannerRunning } from '../config/runtime.js';

export interface AppContext { lc: LoadedConfig; paths: StatePaths; compiled: CompiledConfig | null; running: boolean }

export async function appContext(configFile: string | undefined): Promise<AppContext> {
  const lc = await loadConfig(configFile);
  const paths = statePaths(lc.stateDir);
  const db = currentDb(lc.stateDir);
  let compiled: CompiledConfig | null = null;
  try {
    compiled = db ? readCompiled(db) : null;
  } catch { /* a killed first run: nothing compiled yet */ }
  return { lc, paths, compiled, running: scannerRunning(paths) };
}

/** The running state's compiled apps, or a fatal error saying `hexad up` comes first. */
export function running(ctx: AppContext): CompiledConfig {
  if (!ctx.running || !ctx.compiled) throw new Fatal(100, `nothing is running for ${ctx.lc.file}: run hexad up first`);
  return ctx.compiled;
}

/** Every name given must be an app of the config (one line, exit 100, before anything runs). */
export function checkNames(ctx: AppContext, names: string[]): void {
  const known = new Set(ctx.lc.config.apps.map((a) => a.name));
  for (const n of names) if (!known.has(n)) throw new Fatal(100, `no app named ${n} in ${ctx.lc.file}`);
}

/** Writes to stdout and resolves once written: the entry exits right after a command returns,
 * which would cut a large output to a pipe at 64 KiB. */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (!text) return resolve();
    process.stdout.write(text, () => resolve());
  });
}
