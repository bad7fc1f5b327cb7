// Upgrades (smooth, fleet) and the reload of the master by re-exec with state passing.
import { closeSync } from 'node:fs';
import * as native from '../native/index.js';
import { errMessage } from './errors.js';
import { inspect } from './inspect.js';
import type { Handoff, Master } from './master.js';
import { codeFingerprint, execInPlace, preflight, reexecEnv, stateFile, upgradeCommandline } from './reexec.js';
import { serializeState } from './state.js';


export function fullUpgrade(master: Master, smooth: boolean): void {
  const s = master.state;
  s.smooth_upgrade = smooth;
  // einhorn re-execs itself before every upgrade, to pick up a new einhorn. hexad does so only
  // when that would run something else than this image: other code (hexad or Node updated on
  // disk), another --reexec-as command or another environment (--drop-env-var). Otherwise it
  // goes straight to the workers, and an upgrade costs no restart of the master.
  if (!master.reloading && master.sameProgram()) {
    if (!s.respawn) {
      master.log.info("Not upgrading because we're exiting");
      master.control.sendTagged('upgrade', "ERROR: Not upgrading because einhorn is exiting", true);
      return;
    }
    master.log.debug('Upgrading without a re-exec: same program, same environment as this master image');
    // einhorn's generation counts master images; without a re-exec an upgrade still counts as one
    s.generation += 1;
    master.upgradeWorkers();
    master.breakLoop();
    return;
  }
  s.reloading_for_upgrade = true;
  master.reload();
}

/** True when a re-exec would run exactly what this image runs. */
export function sameProgram(master: Master): boolean {
  const s = master.state;
  if (s.reexec_commandline !== null) return false;
  if (s.drop_environment_variables.some((k) => master.opts.environ[k] !== undefined)) return false;
  return codeFingerprint() === master.fingerprint;
}

export function upgradeWorkers(master: Master): void {
  const s = master.state;
  if (s.upgrading) {
    master.log.info(`Currently upgrading (${master.pool.ackCount()} / ${master.pool.ackTarget()} ACKs; bumping version and starting over)...`, 'upgrade');
  } else {
    s.upgrading = true;
    master.log.info(`Starting ${s.smooth_upgrade ? 'smooth' : 'fleet'} upgrade from version ${s.version}...`, 'upgrade');
  }
  s.consecutive_deaths_before_ack = 0;
  s.last_upgraded = Date.now();
  s.version += 1;
  if (s.smooth_upgrade) master.replenishGradually();
  else master.replenishImmediately();
}


export function reload(master: Master): void {
  void master.doReload();
}

/** Tells the clients waiting for an upgrade that it will not happen (einhorn leaves them hanging). */
export function abandonUpgrade(master: Master, message: string): void {
  if (master.state.reloading_for_upgrade) master.control.sendTagged('upgrade', message, true);
  master.state.reloading_for_upgrade = false;
}

export async function doReload(master: Master): Promise<void> {
  const s = master.state;
  if (!s.respawn) {
    master.log.info("Not reloading einhorn because we're exiting");
    master.abandonUpgrade("ERROR: Not upgrading because einhorn is exiting");
    return;
  }
  if (master.reloading) {
    master.log.debug('A reload is already under way');
    return;
  }
  master.reloading = true;
  const base = s.reexec_commandline ?? master.opts.self;
  master.log.info(`Reloading einhorn master (${base.join(' ')})...`, 'reload');
  const env = reexecEnv(master.opts.environ, s.drop_environment_variables);
  // einhorn always runs the new code once (--upgrade-check) before exec'ing into it. When the
  // new image would be this very program, known to run, hexad skips that extra start of Node.
  const same = master.sameProgram();
  if (same) master.log.debug('Skipping the reload pre-flight: same program, same environment as this master image');
  const ok = same || (await preflight(upgradeCommandline(base, ['--upgrade-check'], s.cmd), env));
  if (!ok || !s.respawn || master.finished) {
    master.log.error('Can not initiate einhorn master reload safely, aborting', 'reload');
    master.abandonUpgrade('ERROR: Can not initiate einhorn master reload safely, aborting');
    master.reloading = false;
    return;
  }
  master.reexecing = true;
  await master.control.quiesce();
  // from here on, synchronous up to the exec: nothing else may run in between
  const control = master.control.snapshot();
  s.generation += 1;
  const handoff: Handoff = {
    hexad_einhorn: 1,
    state: serializeState(s),
    control,
    ack_timers: [...master.ackTimers.values()].map(({ pid, time, start }) => ({ pid, time, start })),
  };
  // what the next image keeps besides stdin, stdout and stderr (the addon's execve keeps those)
  const keep = [...s.bind_fds, control.server, ...control.connections.map((c) => c.fd), ...(s.notification_fd !== null ? [s.notification_fd] : [])];
  let stateFd = -1;
  try {
    stateFd = stateFile(JSON.stringify(handoff));
    const cmdline = upgradeCommandline(base, ['--with-state-fd', String(stateFd)], s.cmd);
    master.log.info(`About to re-exec einhorn master as ${inspect(cmdline)}`, 'reload');
    for (const fd of keep) native.setCloexec(fd, false);
    execInPlace(cmdline, env);
  } catch (e) {
    for (const fd of keep) {
      try {
        native.setCloexec(fd, true);
      } catch {
        /* closed meanwhile */
      }
    }
    if (stateFd >= 0) closeSync(stateFd);
    s.generation -= 1;
    master.log.error(`Could not reload! Attempting to continue. Error was: ${errMessage(e)}`, 'reload');
    master.abandonUpgrade(`ERROR: Could not reload! Error was: ${errMessage(e)}`);
    master.control.thaw();
    master.reexecing = false;
    master.reloading = false;
    master.breakLoop();
  }
}
