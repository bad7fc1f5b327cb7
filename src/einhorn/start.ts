// Starting the master: a fresh start (sockets, pidfile) or the adoption of a previous image's state after a re-exec, and the signal handlers.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as native from '../native/index.js';
import { BindError, bindOne, resolve, unknownFlags } from './bind.js';
import { LockfileError, openCommandSocket } from './control.js';
import { StartupError, errMessage } from './errors.js';
import { guardNotificationFd, inheritedNotificationFd } from './in-tree.js';
import { inspect } from './inspect.js';
import type { Handoff, Master } from './master.js';
import { setprivPath } from './spawn.js';


/** First start: command socket, pidfile, listening sockets. Throws StartupError. */
export async function startFresh(master: Master): Promise<void> {
  const s = master.state;
  for (const b of s.bind) {
    const bad = unknownFlags(b);
    if (bad.length) master.log.error(`Ignoring unknown flags ${inspect(bad)} of -b ${b.spec}`);
  }
  const resolved = [];
  for (const b of s.bind) {
    try {
      resolved.push(await resolve(b));
    } catch (e) {
      if (e instanceof BindError) throw new StartupError(`unable to bind ${b.spec}: ${e.message}`);
      throw e;
    }
  }
  let ctlFd: number;
  try {
    ctlFd = openCommandSocket(s.socket_path, s.lockfile, (m) => master.log.info(m));
  } catch (e) {
    if (e instanceof LockfileError) throw new StartupError(e.message);
    throw new StartupError(`unable to create the command socket ${s.socket_path}: ${errMessage(e)}`);
  }
  master.control.serve(ctlFd);
  master.ownsSocket = true;
  try {
    for (const b of resolved) {
      master.log.info(`Binding to ${b.family === 'unix' ? b.address : `${b.address}:${b.port}`} with flags ${inspect(b.flags)}`);
      const { fd, port } = bindOne(b, s.config.backlog);
      s.bind_fds.push(fd);
      s.bound_ports.push(port);
      if (b.family === 'unix') master.unixPaths.push(b.address);
    }
  } catch (e) {
    const b = resolved[s.bind_fds.length];
    master.removeFiles();
    throw new StartupError(`unable to bind ${b.spec}: ${errMessage(e)}`);
  }
  master.log.info(`Writing PID to ${s.pidfile}`);
  try {
    writeFileSync(s.pidfile, String(master.pid));
  } catch (e) {
    master.removeFiles();
    throw new StartupError(`unable to write the pidfile ${s.pidfile}: ${errMessage(e)}`);
  }
  master.ownsPidfile = true;
  s.notification_fd = inheritedNotificationFd();
  master.common();
}

/** Start of an image after a re-exec: adopt everything the previous one held. */
export function startRestored(master: Master, h: Handoff): void {
  const s = master.state;
  for (const fd of s.bind_fds) native.setCloexec(fd, true);
  for (const b of s.bind) if (b.family === 'unix') master.unixPaths.push(b.address);
  native.setCloexec(h.control.server, true);
  master.control.serve(h.control.server);
  master.ownsSocket = true;
  master.ownsPidfile = true;
  process.on('SIGCHLD', () => master.reapAdopted());
  for (const pid of s.children.keys()) master.procs.set(pid, null);
  // children that exited while no image was running are zombies now, or gone
  master.reapAdopted();
  for (const t of h.ack_timers) if (s.children.has(t.pid)) master.armAckTimer(t.pid, t.time, t.start);
  if (s.config.ack_deadline !== undefined && s.ack_mode.type === 'manual') {
    for (const [pid, c] of s.children) if (!c.acked && c.signaled.length === 0) master.armDeadline(pid, c.spinup_time);
  }
  master.log.info(`Re-exec'd einhorn master: ${s.children.size} children adopted, version ${s.version}`);
  master.common();
  // requests that were read but not handled by the previous image run once we are ready
  setImmediate(() => {
    for (const c of h.control.connections) master.control.adopt(c);
    if (s.reloading_for_upgrade) {
      master.upgradeWorkers();
      s.reloading_for_upgrade = false;
    }
    master.breakLoop();
  });
}


export function common(master: Master): void {
  const s = master.state;
  if (s.notification_fd !== null) guardNotificationFd(s.notification_fd);
  process.title = `einhorn: ${s.cmd_name ?? s.orig_cmd.join(' ')}`;
  if (s.nice.master !== null) master.renice(s.nice.master);
  if (s.kill_children_on_exit && !setprivPath()) {
    master.log.error('setpriv (util-linux) was not found: with -k, workers are only signalled when the master exits through its own code, not when it is killed');
  }
  process.on('SIGINT', () => {
    master.signalAll('USR2');
    master.stopRespawning();
  });
  process.on('SIGTERM', () => {
    master.signalAll('TERM');
    master.stopRespawning();
  });
  process.on('SIGQUIT', () => {
    master.signalAll('QUIT');
    master.stopRespawning();
    master.finish(1);
  });
  process.on('SIGUSR2', () => {
    master.signalAll('USR2');
    master.stopRespawning();
  });
  process.on('SIGHUP', () => master.fullUpgrade(true));
  // Node reserves SIGUSR1 for its inspector and einhorn dies of it (orphaning every worker);
  // hexad traps it, and SIGALRM, and only logs them.
  process.on('SIGUSR1', () => master.log.info('Ignoring SIGUSR1 (use the `signal USR1` command to send it to the workers)'));
  process.on('SIGALRM', () => master.log.info('Ignoring SIGALRM'));
  process.on('uncaughtException', (e) => {
    master.log.error(`Internal error, exiting: ${e.stack ?? e.message}`);
    master.finish(1);
  });
  if (s.signal_timeout) master.sweepTimer = setInterval(() => master.breakLoop(), s.signal_timeout * 1000);
  master.breakLoop();
}

export function renice(master: Master, level: number): void {
  const cmd = `${master.state.nice.renice_cmd} ${level} -p ${master.pid}`;
  master.log.info(`Running ${inspect(cmd)} to renice self to level ${level}`);
  const c = spawn('/bin/sh', ['-c', `${cmd} >/dev/null`], { stdio: ['ignore', 'ignore', 'inherit'] });
  c.on('exit', (code, sig) => {
    if (code !== 0) master.log.error(`Renice command exited with status: ${code ?? sig}, but continuing on anyway.`);
  });
}
