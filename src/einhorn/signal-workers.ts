// Signals to workers: recorded signals (einhorn's signal_all) and the -t SIGKILL escalation timer.
import { constants as osConstants } from 'node:os';
import { inspect } from './inspect.js';
import type { Master } from './master.js';

function signalNumber(name: string): number {
  if (name === 'EXIT') return 0;
  const alias: Record<string, string> = { CLD: 'CHLD', IOT: 'ABRT', POLL: 'IO' };
  const n = (osConstants.signals as Record<string, number>)[`SIG${alias[name] ?? name}`];
  if (n === undefined) throw new Error(`unknown signal ${name}`);
  return n;
}


export function kill(master: Master, pid: number, name: string): boolean {
  try {
    process.kill(pid, signalNumber(name));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

export function signalAll(master: Master, signal: string, children?: number[] | boolean, record = true): void {
  if (typeof children === 'boolean') {
    record = children;
    children = undefined;
  }
  const list = children ?? master.pool.workers();
  const s = master.state;
  master.log.info(`Sending ${signal} to ${inspect(list)}`, 'upgrade');
  const signaled = new Map<number, string>();
  for (const pid of list) {
    const spec = s.children.get(pid);
    if (!spec) {
      master.log.error(`Trying to send ${signal} to dead child ${inspect(pid)}. The fact we tried this probably indicates a bug in Einhorn.`, 'upgrade');
      continue;
    }
    if (record) {
      if (spec.signaled.includes(signal)) {
        master.log.error(`Re-sending ${signal} to already-signaled child ${inspect(pid)}. It may be slow to spin down, or it may be swallowing ${signal}s.`, 'upgrade');
      } else spec.signaled.push(signal);
      spec.last_signaled_at = Date.now();
    }
    if (master.kill(pid, signal)) signaled.set(pid, `${spec.spinup_time}.${spec.spinup_ns}`);
    else master.log.debug(`Attempted to ${signal} child ${inspect(pid)} but the process does not exist`, 'upgrade');
  }
  const timeout = s.signal_timeout;
  if (timeout && record) {
    setTimeout(() => {
      for (const pid of list) {
        const spec = s.children.get(pid);
        const was = signaled.get(pid);
        if (!spec || was === undefined) continue;
        if (`${spec.spinup_time}.${spec.spinup_ns}` !== was) {
          master.log.info(`Different spinup time recorded for ${pid} after ${timeout}s. This probably indicates a PID rollover.`, 'upgrade');
          continue;
        }
        master.log.info(`Child ${inspect(pid)} is still active after ${timeout}s. Sending SIGKILL.`);
        master.kill(pid, 'KILL');
        if (!spec.signaled.includes('KILL')) spec.signaled.push('KILL');
      }
    }, timeout * 1000);
    master.log.info(`Successfully sent ${signal}s to ${signaled.size} processes: ${inspect([...signaled.keys()])}`);
  }
}

export function stopRespawning(master: Master): void {
  master.state.respawn = false;
  if (master.spinupTimer) clearTimeout(master.spinupTimer);
  master.spinupTimer = null;
  master.breakLoop();
}
