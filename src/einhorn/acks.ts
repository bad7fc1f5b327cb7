// ACKs: timer ACKs, manual ACKs and pings from workers, and hexad's ACK deadline.
import { inspect } from './inspect.js';
import type { Master } from './master.js';


export function armAckTimer(master: Master, pid: number, time: number, start: number): void {
  const delay = Math.max(0, start + time * 1000 - Date.now());
  const handle = setTimeout(() => {
    master.ackTimers.delete(pid);
    master.registerTimerAck(time, pid);
  }, delay);
  master.ackTimers.set(pid, { pid, time, start, handle });
}

export function registerTimerAck(master: Master, time: number, pid: number): void {
  if (master.state.ack_mode.type !== 'timer') {
    master.log.error(`Received a timer ACK for ${inspect(pid)}, but ack_mode is ${master.ackModeInspect()}. Ignoring ACK.`);
    return;
  }
  if (!master.state.children.has(pid)) {
    master.log.debug(`Worker ${inspect(pid)} died before its timer ACK happened.`);
    return;
  }
  master.log.info(`Worker ${inspect(pid)} has been up for ${time}s, so we are considering it alive.`);
  master.registerAck(pid);
}

export function ackModeInspect(master: Master): string {
  const m = master.state.ack_mode;
  return m.type === 'timer' ? `{:type=>:timer, :timeout=>${m.timeout}}` : '{:type=>:manual}';
}

export function manualAck(master: Master, pid: unknown): void {
  if (master.state.ack_mode.type !== 'manual') {
    master.log.error(`Received a manual ACK for ${inspect(pid)}, but ack_mode is ${master.ackModeInspect()}. Ignoring ACK.`);
    return;
  }
  master.log.info(`Received a manual ACK from ${inspect(pid)}`);
  master.registerAck(pid);
}

export function registerAck(master: Master, pid: unknown): void {
  const spec = typeof pid === 'number' ? master.state.children.get(pid) : undefined;
  if (!spec) {
    master.log.error(`Could not find state for PID ${inspect(pid)}; ignoring ACK.`);
    return;
  }
  if (spec.acked) {
    master.log.error(`Pid ${inspect(pid)} already ACKed; ignoring new ACK.`);
    return;
  }
  const deaths = master.state.consecutive_deaths_before_ack;
  const extra = deaths > 0 ? `, breaking the streak of ${deaths} consecutive unacked workers dying` : '';
  master.state.consecutive_deaths_before_ack = 0;
  spec.acked = true;
  const d = master.deadlines.get(pid as number);
  if (d) clearTimeout(d);
  master.deadlines.delete(pid as number);
  master.log.info(`Up to ${master.pool.ackCount()} / ${master.pool.ackTarget()} ${master.state.ack_mode.type} ACKs${extra}`);
  master.breakLoop();
}

export function ping(master: Master, pid: unknown, requestId: unknown): void {
  const spec = typeof pid === 'number' ? master.state.children.get(pid) : undefined;
  if (!spec) {
    master.log.error(`Could not find state for PID ${inspect(pid)}; ignoring ACK.`);
    return;
  }
  spec.pinged_at = Date.now();
  spec.pinged_request_id = requestId;
}

/** hexad's ACK deadline: a manual-mode worker not ACKed in time is killed; an upgrade it
 * belonged to is abandoned, and the workers that serve keep serving. */
export function armDeadline(master: Master, pid: number, start: number): void {
  const secs = master.state.config.ack_deadline!;
  const handle = setTimeout(() => {
    master.deadlines.delete(pid);
    master.missedDeadline(pid, secs);
  }, Math.max(0, start + secs * 1000 - Date.now()));
  master.deadlines.set(pid, handle);
}

export function missedDeadline(master: Master, pid: number, secs: number): void {
  const s = master.state;
  const spec = s.children.get(pid);
  if (!spec || spec.acked) return;
  master.log.error(`Worker ${pid} did not ACK within ${secs}s; killing it`, 'upgrade');
  master.kill(pid, 'KILL');
  spec.signaled.push('KILL');
  spec.last_signaled_at = Date.now();
  if (s.upgrading && spec.version === s.version) {
    const failed = s.version;
    s.upgrading = false;
    s.version = failed - 1;
    // the new workers that did ACK keep serving as part of the fleet; the others stop
    for (const [p, c] of s.children) {
      if (c.version !== failed) continue;
      if (c.acked && c.signaled.length === 0) c.version = s.version;
      else if (c.signaled.length === 0) master.signalAll('USR2', [p]);
    }
    const msg = `Upgrade to version ${failed} failed: worker ${pid} did not ACK within ${secs}s. The workers that were serving keep serving.`;
    master.log.error(msg);
    master.control.sendTagged('upgrade', `Upgrade failed: worker ${pid} did not ACK within ${secs}s`, true);
  }
  master.breakLoop();
}
