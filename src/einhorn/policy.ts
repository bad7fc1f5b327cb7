// einhorn's spawning policy (replenish) and culling, pass by pass.
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { EINHORN_VERSION } from './commands.js';
import { inspect } from './inspect.js';
import type { Master } from './master.js';
import { monoMs } from './state.js';

const MAX_SPINUP_INTERVAL = 30;

function processorCount(): number {
  try {
    const n = (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm) ?? []).length;
    if (n > 0) return n;
  } catch {
    /* fall through */
  }
  return Math.max(1, cpus().length);
}


export function replenish(master: Master): void {
  if (!master.state.respawn || master.reexecing) return;
  if (master.state.last_spinup === null) master.replenishImmediately();
  else master.replenishGradually();
}

export function replenishImmediately(master: Master): void {
  const missing = master.pool.missing();
  if (missing <= 0) {
    master.log.error(`Missing is currently ${missing}, but should always be > 0 when replenish_immediately is called. This probably indicates a bug in Einhorn.`);
    return;
  }
  master.log.info(`Launching ${missing} new workers`);
  for (let i = 0; i < missing; i++) master.spinup();
}

export function replenishGradually(master: Master): void {
  const s = master.state;
  if (master.spinupTimer || master.pool.missing() <= 0) return;
  const maxUnacked = s.config.max_unacked ?? (master.cpuCount ??= processorCount());
  const interval = Math.min(s.config.seconds * 1.5 ** s.consecutive_deaths_before_ack, MAX_SPINUP_INTERVAL);
  const ago = (monoMs() - (s.last_spinup_mono ?? 0)) / 1000;
  if (ago > interval) {
    if (master.triggerSpinup(maxUnacked)) {
      const msg = `Last spinup was ${ago}s ago, and spinup_interval is ${interval}s, so spinning up a new process.`;
      if (s.consecutive_deaths_before_ack > 0) master.log.info(`${msg} (there have been ${s.consecutive_deaths_before_ack} consecutive unacked worker deaths)`, 'upgrade');
      else master.log.debug(msg);
      master.spinup();
    }
  } else {
    master.log.debug(`Last spinup was ${ago}s ago, and spinup_interval is ${interval}s, so not spinning up a new process.`);
  }
  master.spinupTimer = setTimeout(() => {
    master.spinupTimer = null;
    master.breakLoop();
  }, interval * 1000);
}

export function triggerSpinup(master: Master, maxUnacked: number): boolean {
  const s = master.state;
  const unacked = master.pool.unackedUnsignaledModern().length;
  if (unacked >= maxUnacked) {
    master.log.info(`There are ${unacked} unacked new workers, and max_unacked is ${maxUnacked}, so not spinning up a new process.`);
    return false;
  }
  if (s.config.max_upgrade_additional !== undefined) {
    const total = s.children.size;
    const over = s.config.number + s.config.max_upgrade_additional - total;
    if (over < 0) {
      master.log.info(`Over worker capacity by ${-over} during upgrade, ${master.pool.modernWorkers().length} new workers of ${total} total. Waiting for old workers to exit before spinning up a process.`);
      return false;
    }
  }
  return true;
}

// retired; "Upgrade done" comes after the last old worker is signalled)

export function cull(master: Master): void {
  const s = master.state;
  const acked = master.pool.ackCount();
  const target = master.pool.ackTarget();
  let done = false;
  if (s.upgrading && acked >= target) {
    s.upgrading = false;
    done = true;
  }
  const old = master.pool.oldWorkers();
  if (!s.upgrading && old.length > 0) {
    master.log.info(`Killing off ${old.length} old workers.`, 'upgrade');
    master.signalAll('USR2', old);
  } else if (s.upgrading && s.smooth_upgrade) {
    // einhorn's rule: an old worker is retired only when a new one has ACKed in its place, so a
    // worker still starting up when the upgrade begins keeps running until its replacement ACKs.
    // hexad retires the unACKed old workers first (they serve nobody yet), then the oldest.
    const excess = old.length + acked - target;
    if (excess > 0) {
      const byPriority = [...old.filter((p) => !s.children.get(p)!.acked), ...old.filter((p) => s.children.get(p)!.acked)];
      master.log.info(`Smooth upgrade: killing off ${excess} old workers.`, 'upgrade');
      master.signalAll('USR2', byPriority.slice(0, excess));
    } else master.log.debug(`Not killing old workers, as excess is ${excess}.`);
  }
  if (done) {
    master.log.info(`Upgraded successfully to version ${s.version} (Einhorn ${EINHORN_VERSION}).`, 'upgrade');
    master.control.sendTagged('upgrade', 'Upgrade done', true);
  }
  const unsignaled = master.pool.unsignaledCount();
  if (unsignaled > target) {
    const excess = master.pool.unsignaledModernByPriority().slice(0, unsignaled - target);
    master.log.info(`Have too many workers at the current version, so killing off ${excess.length} of them.`);
    master.signalAll('USR2', excess);
  }
  if (s.signal_timeout) master.killExpiredSignaledWorkers(s.signal_timeout);
}

export function killExpiredSignaledWorkers(master: Master, timeout: number): void {
  const now = Date.now();
  const expired = [...master.state.children.entries()].filter(
    ([, c]) => c.signaled.includes('USR2') && !c.signaled.includes('KILL') && c.last_signaled_at !== null && now >= c.last_signaled_at + timeout * 1000,
  );
  if (expired.length) master.log.info(`${expired.length} expired signaled workers found.`);
  for (const [pid, c] of expired) {
    master.log.info(`Child ${inspect(pid)} was signaled ${Math.floor((now - c.last_signaled_at!) / 1000)}s ago. Sending SIGKILL as it is still active after ${timeout}s timeout.`, 'upgrade');
    if (!master.kill(pid, 'KILL')) master.log.debug(`Attempted to SIGKILL child ${inspect(pid)} but the process does not exist.`);
    c.signaled.push('KILL');
    c.last_signaled_at = Date.now();
  }
}
