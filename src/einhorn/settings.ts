// What the command socket changes on a running master: worker count, verbosity, state dump, config.
import { writeStderr } from './log.js';
import type { Master } from './master.js';
import { rubyState } from './state.js';
import { dump, type YamlMap } from './yaml.js';
import { mergeConfig as merge } from './config.js';


export function number(master: Master): number {
  return master.state.config.number;
}

export function increment(master: Master): string {
  master.breakLoop();
  const old = master.state.config.number;
  const n = ++master.state.config.number;
  const out = `Incrementing number of workers from ${old} -> ${n}`;
  writeStderr(`${out}\n`);
  return out;
}

export function decrement(master: Master): string {
  const c = master.state.config;
  if (c.number <= 1) {
    const out = `Can't decrease number of workers (already at ${c.number}).  Run kill ${master.pid} if you really want to kill einhorn.`;
    writeStderr(`${out}\n`);
    return out;
  }
  master.breakLoop();
  const old = c.number;
  const n = --c.number;
  const out = `Decrementing number of workers from ${old} -> ${n}`;
  writeStderr(`${out}\n`);
  return out;
}

export function setWorkers(master: Master, n: number): string {
  const c = master.state.config;
  if (n === c.number) return '';
  master.breakLoop();
  const old = c.number;
  c.number = n;
  const out = `Altering worker count, ${old} -> ${n}. Will ${old < n ? 'spin up additional workers.' : 'gracefully terminate workers.'}`;
  writeStderr(`${out}\n`);
  return out;
}

export function quieter(master: Master, log = true): string {
  if (master.state.verbosity < 2) master.state.verbosity += 1;
  const out = `Verbosity set to ${master.state.verbosity}`;
  if (log) master.log.info(out);
  return out;
}

export function louder(master: Master, log = true): string {
  if (master.state.verbosity > 0) master.state.verbosity -= 1;
  const out = `Verbosity set to ${master.state.verbosity}`;
  if (log) master.log.info(out);
  return out;
}

export function stateDump(master: Master): string {
  return dump(rubyState(master.state));
}

export function logDebug(master: Master, msg: string): void {
  master.log.debug(msg);
}

export function logError(master: Master, msg: string): void {
  master.log.error(msg);
}

/** The `config` command (see config.ts). */
export function mergeConfig(master: Master, m: YamlMap): string | null {
  const refused = merge(master.state, m);
  if (!refused) master.breakLoop();
  return refused;
}
