// Where things are under the container root: what the user writes (etc/…, as s6-overlay v3
// reads it) and what init creates at run time (run/…, as s6-overlay lays it out).
import { join } from 'node:path';

export interface Layout {
  root: string;
  contInit: string;
  contFinish: string;
  servicesD: string;
  rcSource: string;
  userBundles: string;
  /** run/s6: init's own state */
  run: string;
  containerEnv: string;
  /** the scan directory the in-process svscan watches */
  scanDir: string;
  legacyServices: string;
  rcMergedSource: string;
  rcCompiled: string;
  rcLive: string;
  /** run/s6-linux-init-container-results/exitcode: CMD's code, changeable by finish scripts */
  exitcodeFile: string;
  /** the container is ready: written when CMD starts (or stage 2 ends), removed at stage 3 */
  readyFile: string;
  /** init's pid and phase, for probes */
  stateFile: string;
  haltProgram: string;
  uncaughtLogs: string;
}

export function layout(root: string): Layout {
  const r = (...p: string[]) => join(root, ...p);
  return {
    root,
    contInit: r('etc/cont-init.d'),
    contFinish: r('etc/cont-finish.d'),
    servicesD: r('etc/services.d'),
    rcSource: r('etc/s6-overlay/s6-rc.d'),
    userBundles: r('etc/s6-overlay/user-bundles.d'),
    run: r('run/s6'),
    containerEnv: r('run/s6/container_environment'),
    scanDir: r('run/service'),
    legacyServices: r('run/s6/legacy-services'),
    rcMergedSource: r('run/s6/rc-source'),
    rcCompiled: r('run/s6/db'),
    rcLive: r('run/s6-rc'),
    exitcodeFile: r('run/s6-linux-init-container-results/exitcode'),
    readyFile: r('run/s6/container-ready'),
    stateFile: r('run/s6/hexad-init'),
    haltProgram: r('run/s6/basedir/bin/halt'),
    uncaughtLogs: r('run/uncaught-logs'),
  };
}

/** The root a `with-contenv` or `probe` run inside the container refers to. */
export function rootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.HEXAD_INIT_ROOT || '/';
}
