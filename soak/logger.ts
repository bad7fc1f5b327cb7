// (a) A service writes numbered lines as fast as it can through `log/run` = `LOG sSIZE n100000
// DIR`; the logger is SIGKILLed K times at random moments and the service restarted R times
// (`svc -r`); then every line is looked for in the archives and `current`. Both sides: hexad
// svscan + hexad log, and s6-svscan + s6-log. hexad runs it twice: with the logger as a process
// of its own (HEXAD_HOSTED_LOGGERS=0), SIGKILLed; and hosted in the scanner, where a "kill" is
// in turn a SIGKILL of the scanner itself (started again) and an `svc -k` of the logger.
import { mkdirSync, writeFileSync } from 'node:fs';
import { readStatus } from '../src/s6/status.js';
import { join } from 'node:path';
import { byArgv, descendants } from './proc.js';
import { countLines, missingRuns, writerNext, writerService } from './lines.js';
import type { Options, Row } from './report.js';
import { HEXAD, hasS6, NODE, runTool, sleep, tempRoot, tool, Tree, until, type Impl } from './tree.js';

interface Variant { size: number; total: number; kills: number; restarts: number }

function variants(o: Options): Variant[] {
  return o.quick
    ? [{ size: 65536, total: 150_000, kills: 10, restarts: 2 }, { size: 4096, total: 40_000, kills: 8, restarts: 2 }]
    : [{ size: 65536, total: 200_000, kills: 20, restarts: 5 }, { size: 4096, total: 60_000, kills: 15, restarts: 3 }];
}

const rand = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);

type Mode = 'process' | 'hosted';

async function once(impl: Impl, v: Variant, o: Options, mode: Mode = 'process'): Promise<Row> {
  const root = tempRoot('log');
  const hosted = impl === 'hexad' && mode === 'hosted';
  const tree = new Tree(impl, root, [], impl === 'hexad' && !hosted ? { HEXAD_HOSTED_LOGGERS: '0' } : {});
  const logdir = join(root, 'logs');
  mkdirSync(logdir);
  const svc = join(tree.scan, 'w');
  const state = writerService(svc, v.total, `exec ${tool(impl, 'log')} s${v.size} n100000 ${logdir}`);
  // hosted: log/run must be nothing but the call of hexad log
  if (hosted) writeFileSync(join(svc, 'log', 'run'), `#!/bin/sh\nexec ${NODE} ${HEXAD} log s${v.size} n100000 ${logdir}\n`, { mode: 0o755 });
  const hostedUp = (): number[] => {
    try {
      const st = readStatus(join(svc, 'log'));
      return st.pid > 1 && st.pid === tree.pid ? [st.pid] : [];
    } catch {
      return [];
    }
  };
  const loggers = (): number[] => (hosted ? hostedUp() : byArgv(logdir).filter((p) => p.comm !== 'sh').map((p) => p.pid));
  const scenario = `a. logger s${v.size}, ${v.total} lines${impl === 'hexad' ? (hosted ? ', hosted (kill -9 of the scanner / svc -k)' : ', a process') : ''}`;
  const t0 = Date.now();
  const budget = (o.quick ? 40_000 : 60_000) * o.scale;
  try {
    tree.start();
    if (!(await until(() => loggers().length > 0, 20_000))) {
      return { scenario, impl, lost: '?', doubled: '?', zombies: '?', other: 'logger never started', ok: false };
    }
    let kills = 0;
    let restarts = 0;
    const every = Math.max(1, Math.floor(v.kills / (v.restarts + 1)));
    while (kills < v.kills && writerNext(state) < v.total && Date.now() - t0 < budget / 2) {
      await sleep(rand(20, 250));
      const pids = loggers();
      if (pids.length === 0) continue;
      if (!hosted) for (const pid of pids) if (pid > 1) process.kill(pid, 'SIGKILL');
      else if (kills % 2 === 0) {
        await tree.kill9Scanner();
        tree.start();
        await until(() => loggers().length > 0, 20_000);
      } else runTool(impl, 'svc', ['-k', join(svc, 'log')]);
      kills++;
      if (kills % every === 0 && restarts < v.restarts) {
        runTool(impl, 'svc', ['-r', svc]);
        restarts++;
      }
    }
    const writerDone = await until(() => writerNext(state) >= v.total, Math.max(1000, budget - (Date.now() - t0)), 200);
    // The logger drains the pipe: wait until every line is there or the count stops moving.
    let prev = -1;
    let still = 0;
    await until(() => {
      const c = countLines([logdir], v.total);
      still = c.seen === prev ? still + 1 : 0;
      prev = c.seen;
      return c.seen >= v.total || still >= 4 || Date.now() - t0 > budget;
    }, budget, 500);
    const secs = (Date.now() - t0) / 1000;
    const c = countLines([logdir], v.total);
    const zombies = descendants(tree.pid).filter((p) => p.state === 'Z').length;
    // a logger killed last is started again after s6's one-second delay
    await until(() => loggers().length === 1, 5000, 100);
    const lg = loggers().length;
    const parts = [`out-of-order ${c.outOfOrder}`, `garbled ${c.garbled}`, `logger kills ${kills}`, `svc -r ${restarts}`,
      `files ${c.files}`, `loggers at end ${lg}`, `${secs.toFixed(1)} s`];
    if (!writerDone) parts.push('WRITER NOT DONE in budget');
    if (c.lost) parts.push(`missing ${missingRuns([logdir], v.total)}`);
    return { scenario, impl, lost: c.lost, doubled: c.doubled, zombies, other: parts.join(', '),
      ok: c.lost === 0 && c.doubled === 0 && c.outOfOrder === 0 && c.garbled === 0 && zombies === 0 && writerDone && lg === 1 };
  } finally {
    await tree.destroy(process.env.HEXAD_SOAK_KEEP === '1');
  }
}

export default async function logger(o: Options): Promise<Row[]> {
  const rows: Row[] = [];
  for (const v of variants(o)) {
    rows.push(await once('hexad', v, o, 'process'));
    rows.push(await once('hexad', v, o, 'hosted'));
    if (hasS6()) rows.push(await once('s6', v, o));
  }
  return rows;
}
