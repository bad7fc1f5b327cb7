// hexad app-probe --fd N (--http URL | --tcp HOST:PORT | --exec CMD) [--interval MS]
// [--timeout MS] --pid PID: polls until the probe passes, then writes the readiness newline on
// fd N; gives up when PID (the service) is gone. Started double-forked by a generated run.
import { closeSync, writeSync } from 'node:fs';
import { getopt, UsageError } from './getopt.js';
import { alive } from '../s6/signals.js';
import { probeOnce, type Probe } from '../config/probe.js';

export const usage = '--fd N ( --http URL | --tcp HOST:PORT | --exec CMD ) [ --interval MS ] [ --timeout MS ] --pid PID';

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, '', ['fd', 'http', 'tcp', 'exec', 'interval', 'timeout', 'pid'].map((name) => ({ name, arg: true })));
  const o = Object.fromEntries(opts) as Record<string, string>;
  const fd = Number(o.fd), pid = Number(o.pid), interval = Number(o.interval ?? 200), timeout = Number(o.timeout ?? 0);
  if (rest.length || !(fd >= 3) || !(pid > 1)) throw new UsageError();
  const probe: Probe | null = o.http ? { type: 'http', url: o.http } : o.tcp ? { type: 'tcp', addr: o.tcp } : o.exec ? { type: 'exec', command: o.exec } : null;
  if (!probe) throw new UsageError();
  const start = Date.now();
  while (alive(pid)) {
    if (await probeOnce(probe, Math.max(interval, 1000))) {
      writeSync(fd, '\n');
      closeSync(fd);
      return 0;
    }
    if (timeout && Date.now() - start > timeout) return 1;
    await new Promise((r) => setTimeout(r, interval));
  }
  return 1;
}
