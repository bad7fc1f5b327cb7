// The config, compiled into s6-rc source definitions and an s6-rc database: every app a
// longrun (its logger a consumer longrun) or a oneshot, one bundle per app with instances, the
// bundle `hexad-apps` of everything that starts by default. Built in a temporary directory and
// renamed into place, so a failure leaves nothing half-written.
import { mkdirSync, mkdtempSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { compile as rcCompile } from '../rc/compile.js';
import { makeInstancedService } from '../instance/maker.js';
import { Fatal } from '../s6/diag.js';
import { rmrf } from '../s6/tree.js';
import { dependencies, type AppConfig, type HexadConfig } from './schema.js';
import { finishScript, loggerScript, memoryLimit, oneshotScript, READY_FD, runScript, hexadCmd } from './scripts.js';
import type { LoadedConfig } from './load.js';

export const ALL_BUNDLE = 'hexad-apps';
export const loggerName = (app: string): string => `${app}-log`;
export const watcherName = (app: string): string => `${app}-watch`;

export interface StatePaths {
  root: string;
  scan: string;
  live: string;
  logs: string;
  einhorn: string;
}

export function statePaths(stateDir: string): StatePaths {
  return { root: stateDir, scan: join(stateDir, 'scan'), live: join(stateDir, 'live'), logs: join(stateDir, 'logs'), einhorn: join(stateDir, 'einhorn') };
}

/** What the compiler writes beside the database (apps.json): what `hexad` verbs need by name. */
export interface CompiledApp {
  name: string;
  kind: 'longrun' | 'oneshot';
  instances: string[] | null;
  logDir: string | null;
  einhornSock: string | null;
  /** service names in the scan directory belonging to this app (longrun, logger, watcher) */
  services: string[];
  autostart: boolean;
}

export interface CompiledConfig {
  configFile: string;
  apps: CompiledApp[];
}

const write = (path: string, text: string, exec = false): void => {
  writeFileSync(path, text);
  if (exec) chmodSync(path, 0o755);
};

export const instanceNames = (app: AppConfig): string[] | null =>
  app.instances === undefined ? null : typeof app.instances === 'number' ? Array.from({ length: app.instances }, (_, i) => String(i)) : app.instances;

function needsWatcher(app: AppConfig): boolean {
  return Boolean(app.watch || app.cron || app.maxMemoryRestart !== undefined);
}

/** Writes one app's source definitions under `src`. */
function writeApp(app: AppConfig, src: string, base: string, paths: StatePaths): CompiledApp {
  const deps = dependencies(app).map(([n]) => n);
  const logDir = app.log === false || app.oneshot ? null : resolve(base, app.log?.dir ?? join(paths.logs, app.name));
  const out: CompiledApp = { name: app.name, kind: app.oneshot ? 'oneshot' : 'longrun', instances: instanceNames(app), logDir,
    einhornSock: app.socket ? join(paths.einhorn, `${app.name}.sock`) : null, services: [], autostart: app.autostart !== false };
  const dir = join(src, app.name);
  if (app.oneshot) {
    mkdirSync(dir);
    write(join(dir, 'type'), 'oneshot\n');
    write(join(dir, 'up'), oneshotScript(app, base, app.oneshot.up));
    if (app.oneshot.down) write(join(dir, 'down'), oneshotScript(app, base, app.oneshot.down));
  } else {
    const run = runScript(app, base, out.einhornSock);
    if (out.instances) {
      // the s6 way: an instanced service (a nested svscan) whose template is the app
      const tmpl = join(src, '.templates', app.name);
      mkdirSync(tmpl, { recursive: true });
      write(join(tmpl, 'run'), run, true);
      writeServiceFiles(app, tmpl);
      makeInstancedService({ template: tmpl, dir: src, max: Math.max(out.instances.length * 2, 100), rc: { service: app.name } });
    } else {
      mkdirSync(dir);
      write(join(dir, 'type'), 'longrun\n');
      write(join(dir, 'run'), run, true);
      writeServiceFiles(app, dir);
    }
    out.services.push(app.name);
    if (logDir) {
      const lg = join(src, loggerName(app.name));
      mkdirSync(lg);
      write(join(lg, 'type'), 'longrun\n');
      write(join(lg, 'run'), loggerScript(app.log || {}, logDir), true);
      write(join(lg, 'consumer-for'), `${app.name}\n`);
      write(join(dir, 'producer-for'), `${loggerName(app.name)}\n`);
      out.services.push(loggerName(app.name));
    }
  }
  if (deps.length) write(join(dir, 'dependencies'), deps.join('\n') + '\n');
  if (needsWatcher(app)) {
    const w = join(src, watcherName(app.name));
    mkdirSync(w);
    write(join(w, 'type'), 'longrun\n');
    // a oneshot's watcher reruns it through rc (down, up): it must not depend on it
    if (!app.oneshot) write(join(w, 'dependencies'), `${app.name}\n`);
    const spec = {
      app: app.name, kind: out.kind, cwd: resolve(base, app.cwd ?? '.'), scan: paths.scan, live: paths.live,
      watch: app.watch ? normaliseWatch(app.watch, resolve(base, app.cwd ?? '.')) : null, cron: app.cron ?? null,
      maxMemory: memoryLimit(app), reloadSock: out.einhornSock,
    };
    // s6-rc copies data/ into the service directory (other unknown files are not)
    mkdirSync(join(w, 'data'));
    write(join(w, 'data', 'spec.json'), JSON.stringify(spec, null, 2) + '\n');
    write(join(w, 'run'), `#!/bin/sh\nexec 2>&1\nexec ${hexadCmd('app-watch', 'data/spec.json')}\n`, true);
    out.services.push(watcherName(app.name));
  }
  return out;
}

function normaliseWatch(w: NonNullable<AppConfig['watch']>, cwd: string): { paths: string[]; ignore: string[]; debounce: number } {
  if (w === true) return { paths: [cwd], ignore: ['**/node_modules/**', '**/.git/**', '**/.hexad/**'], debounce: 500 };
  if (Array.isArray(w)) return { paths: w.map((p) => resolve(cwd, p)), ignore: ['**/node_modules/**', '**/.git/**', '**/.hexad/**'], debounce: 500 };
  if (w === false) return { paths: [], ignore: [], debounce: 0 };
  return { paths: (w.paths ?? ['.']).map((p) => resolve(cwd, p)), ignore: w.ignore ?? ['**/node_modules/**', '**/.git/**', '**/.hexad/**'], debounce: w.debounce ?? 500 };
}

/** The s6 service-directory files an app's options become. */
function writeServiceFiles(app: AppConfig, dir: string): void {
  const r = app.ready;
  if (r) {
    write(join(dir, 'notification-fd'), `${r.type === 'notification-fd' ? r.fd ?? READY_FD : READY_FD}\n`);
  }
  if (app.stopSignal) write(join(dir, 'down-signal'), `${app.stopSignal.startsWith('SIG') ? app.stopSignal : `SIG${app.stopSignal}`}\n`);
  if (app.killTimeout !== undefined) write(join(dir, 'timeout-kill'), `${app.killTimeout}\n`);
  if (app.restart) {
    write(join(dir, 'finish'), finishScript(app), true);
    // the backoff sleeps inside finish: give it its cap plus a margin
    write(join(dir, 'timeout-finish'), `${(app.restart.backoff?.max ?? 15000) + 5000}\n`);
    write(join(dir, 'max-death-tally'), '100\n');
  }
}

/** Compiles `lc` into a new directory under the state directory and returns its path. */
export function compileConfig(lc: LoadedConfig): { dir: string; compiled: CompiledConfig } {
  const paths = statePaths(lc.stateDir);
  mkdirSync(lc.stateDir, { recursive: true });
  const tmp = mkdtempSync(join(lc.stateDir, '.build-'));
  try {
    const src = join(tmp, 'src');
    mkdirSync(src);
    const base = dirname(lc.file);
    const apps = lc.config.apps.map((a) => writeApp(a, src, base, paths));
    const bundle = join(src, ALL_BUNDLE);
    mkdirSync(bundle);
    write(join(bundle, 'type'), 'bundle\n');
    const contents = apps.filter((a) => a.autostart).flatMap((a) => (a.kind === 'oneshot' ? [a.name, ...a.services] : a.services));
    write(join(bundle, 'contents'), [...new Set(contents)].join('\n') + '\n');
    rcCompile(join(tmp, 'compiled'), [src], { verbosity: 1, warn: () => {}, info: () => {} });
    const compiled: CompiledConfig = { configFile: lc.file, apps };
    write(join(tmp, 'apps.json'), JSON.stringify(compiled, null, 2) + '\n');
    const final = join(lc.stateDir, `db-${Date.now()}-${process.pid}`);
    renameSync(tmp, final);
    return { dir: final, compiled };
  } catch (e) {
    rmrf(tmp);
    if (e instanceof Fatal) throw new Fatal(e.code === 1 ? 100 : e.code, `${lc.file}: ${e.message}`);
    throw e;
  }
}

/** `hexad config print`: the compiled result as text (source files, one block per file). */
export function printable(dir: string, readTree: (d: string) => Array<[string, string]>): string {
  return readTree(join(dir, 'src')).map(([p, t]) => `==> ${p} <==\n${t}${t.endsWith('\n') ? '' : '\n'}`).join('\n');
}
