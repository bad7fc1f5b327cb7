// Loggers hosted in the scanner: a `log/run` that only calls `hexad log` runs inside the
// scanner (no process of its own), with the same files on disk, the same answers to svc, and
// no line lost across a logger kill, a service restart and a SIGKILL of the scanner itself.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostedLogArgs } from '../../src/svscan/hosted-logger.js';
import { readStatus } from '../../src/s6/status.js';
import { HEXAD, hexad, hexadDaemon, rmrf, run, serviceDir, sleep, tmp, until } from '../helpers.js';
import { numberedProducer, scanning, serviceUp, svscan } from './scan-helpers.js';

const root = tmp('hexad-hosted-');
after(() => rmrf(root));

describe('which log/run is hosted', () => {
  test('exec hexad log ARGS, in sh or execline, through node or not', () => {
    assert.deepEqual(hostedLogArgs('#!/bin/sh\nexec hexad log t n3 s4096 ./main\n'), ['t', 'n3', 's4096', './main']);
    assert.deepEqual(hostedLogArgs('#!/bin/sh -e\n# a comment\n\nexec /usr/bin/hexad log -b -- T \'-.*DEBUG.*\' "./x y"\n'), ['-b', '--', 'T', '-.*DEBUG.*', './x y']);
    assert.deepEqual(hostedLogArgs(`#!/bin/sh\nexec '${process.execPath}' '/opt/hexad/bin/hexad.js' log -- t n10 s1048576 '/var/log/app'\n`), ['--', 't', 'n10', 's1048576', '/var/log/app']);
    assert.deepEqual(hostedLogArgs('#!/command/execlineb -P\nhexad log t ./main\n'), ['t', './main']);
    assert.deepEqual(hostedLogArgs('#!/usr/bin/env sh\nexec hexad log ./main\n'), ['./main']);
  });
  test('anything else runs as a process', () => {
    for (const text of [
      '#!/bin/sh\nexec 2>&1\nexec hexad log t ./main\n', // two commands
      '#!/bin/sh\nexec hexad log t $DIR\n', // a variable
      '#!/bin/sh\nexec hexad log t ./*\n', // a glob
      '#!/bin/sh\nexec hexad log t ./main > /dev/null\n', // a redirection
      '#!/bin/sh\nexec s6-log t ./main\n', // another logger
      '#!/bin/sh\nhexad log t ./main\n', // not exec'd: sh stays
      '#!/bin/sh\nexec hexad svscan ./main\n',
      '#!/usr/bin/python3\nexec hexad log t ./main\n',
      '#!/command/execlineb -P\nhexad log t \'./main\'\n', // execline does not know single quotes
      'exec hexad log t ./main\n', // no interpreter line
      '#!/bin/sh\nexec hexad log t \\\n ./main\n',
    ]) assert.equal(hostedLogArgs(text), null, text);
  });
});

function loggerProcesses(scannerPid: number): number[] {
  // every process whose command line runs `log` through hexad, under this scanner
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'latin1').split('\0');
      const ppid = Number(readFileSync(`/proc/${p}/stat`, 'latin1').split(') ')[1].split(' ')[1]);
      if (ppid === scannerPid && argv.includes('log')) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}

/** The numbers of `line N` in a logdir, archives first. */
function numbers(logdir: string): number[] {
  const files = readdirSync(logdir).filter((f) => /^@[0-9a-f]{24}\.[su]$/.test(f)).sort();
  if (existsSync(join(logdir, 'current'))) files.push('current');
  const out: number[] = [];
  for (const f of files) {
    for (const l of readFileSync(join(logdir, f), 'utf8').split('\n')) {
      const m = /line (\d+)$/.exec(l);
      if (m) out.push(Number(m[1]));
    }
  }
  return out;
}

function assertSequence(nums: number[], upTo: number): void {
  const missing: number[] = [];
  const seen = new Set<number>();
  const doubled: number[] = [];
  for (const n of nums) {
    if (seen.has(n)) doubled.push(n);
    seen.add(n);
  }
  for (let i = 1; i <= upTo; i++) if (!seen.has(i)) missing.push(i);
  assert.deepEqual({ missing: missing.slice(0, 10), doubled: doubled.slice(0, 10) }, { missing: [], doubled: [] });
  for (let i = 1; i < nums.length; i++) assert.ok(nums[i] > nums[i - 1], `out of order at ${nums[i]}`);
}

function loggedService(dir: string, limit: number, logArgs = 't n500 s4096 ./main'): string {
  serviceDir(dir, {
    run: `exec ${process.execPath} ./producer.cjs\n`,
    'producer.cjs': numberedProducer(limit, 10, 8),
    'log/run': `#!/bin/sh\nexec ${process.execPath} ${HEXAD} log -d 3 ${logArgs}\n`,
    'log/notification-fd': '3\n',
  });
  return dir;
}

const counter = (svc: string): number => {
  try {
    return Number(readFileSync(join(svc, 'counter'), 'utf8')) || 0;
  } catch {
    return 0;
  }
};

describe('a hosted logger', () => {
  test('runs inside the scanner, is ready, and writes what a process logger writes', async (t) => {
    const sc = join(root, 'basic');
    const svc = loggedService(join(sc, 'a'), 300);
    const d = await svscan(t, sc);
    await until('300 lines logged', () => numbers(join(svc, 'log/main')).length === 300);
    assert.deepEqual(loggerProcesses(d.pid), [], 'no logger process');
    const st = readStatus(join(svc, 'log'));
    assert.equal(st.pid, d.pid, 'the logger\'s pid is the scanner\'s');
    assert.equal(st.ready, true);
    assertSequence(numbers(join(svc, 'log/main')), 300);
    assert.ok(readdirSync(join(svc, 'log/main')).some((f) => f.endsWith('.s')), 'it rotated');
    // svstat (hexad's and, when present, Debian's) read it as any service
    assert.match(hexad(['svstat', join(svc, 'log')]).stdout, new RegExp(`^up \\(pid ${d.pid}\\) \\d+ seconds, ready`));
    const o = JSON.parse(hexad(['status', '--json', sc]).stdout);
    const logger = o.services[0].logger;
    assert.equal(logger.hosted, true);
    assert.equal(logger.pid, d.pid);
    assert.equal(o.services[0].hosted, undefined, 'the service itself is a process');
  });

  test('svc: -a rotates, -k kills (and it restarts), -d stops it cleanly; nothing is lost', async (t) => {
    const sc = join(root, 'svc');
    const svc = loggedService(join(sc, 'a'), 2000);
    const d = await svscan(t, sc);
    const log = join(svc, 'log');
    await until('logging', () => counter(svc) > 100);
    const before = readdirSync(join(log, 'main')).length;
    hexad(['svc', '-a', log]);
    await until('rotated', () => readdirSync(join(log, 'main')).length > before);
    for (let i = 0; i < 3; i++) {
      hexad(['svc', '-k', log]);
      await until('killed and back', () => readStatus(log).wstat === 9 || counter(svc) >= 2000);
      await until('up again', () => readStatus(log).ready && readStatus(log).pid === d.pid, 10_000);
    }
    hexad(['svc', '-t', svc]); // the service restarts too: its pipe keeps what it held
    await until('all produced', () => counter(svc) === 2000, 60_000);
    await until('all logged', () => numbers(join(log, 'main')).length >= 2000, 20_000);
    hexad(['svc', '-d', log]);
    await until('logger down', () => !readStatus(log).pid);
    assert.ok((statSync(join(log, 'main', 'current')).mode & 0o100) !== 0, 'current marked cleanly closed');
    assertSequence(numbers(join(log, 'main')), 2000);
    assert.ok(readdirSync(join(log, 'main')).some((f) => f.endsWith('.u')), 'a kill left an unclean archive, as s6-log does');
  });

  test('a SIGKILL of the scanner loses nothing the pipe held: the service keeps its pipe, the next scanner reads on', async (t) => {
    const sc = join(root, 'scankill');
    const svc = loggedService(join(sc, 'a'), 6000);
    const log = join(svc, 'log');
    const starts: ReturnType<typeof hexadDaemon>[] = [];
    t.after(async () => { for (const d of starts) await d.stop(); });
    for (let k = 0; k < 4; k++) {
      const d = hexadDaemon(['svscan', sc]);
      starts.push(d);
      await scanning(sc);
      await serviceUp(svc);
      const at = counter(svc);
      await until('more lines', () => counter(svc) > at + 150 || counter(svc) === 6000, 30_000);
      d.kill('SIGKILL');
      await d.wait();
      await sleep(300); // the service writes on, into the pipe only it holds now
    }
    const d = hexadDaemon(['svscan', sc]);
    starts.push(d);
    await scanning(sc);
    await until('all produced', () => counter(svc) === 6000, 60_000);
    await until('all logged', () => numbers(join(log, 'main')).includes(6000), 20_000);
    assertSequence(numbers(join(log, 'main')), 6000);
  });

  test('any other log/run runs as a process, and HEXAD_HOSTED_LOGGERS=0 turns hosting off', async (t) => {
    const sc = join(root, 'process');
    const a = loggedService(join(sc, 'a'), 10);
    writeFileSync(join(a, 'log/run'), `#!/bin/sh\nexec 2>&1\nexec ${process.execPath} ${HEXAD} log -d 3 t ./main\n`);
    const d = await svscan(t, sc);
    await until('logged', () => numbers(join(a, 'log/main')).length === 10);
    assert.equal(loggerProcesses(d.pid).length, 1);
    assert.notEqual(readStatus(join(a, 'log')).pid, d.pid);

    const sc2 = join(root, 'off');
    const b = loggedService(join(sc2, 'b'), 10);
    const d2 = hexadDaemon(['svscan', sc2], { env: { ...process.env, HEXAD_HOSTED_LOGGERS: '0' } });
    t.after(() => d2.stop());
    await scanning(sc2);
    await until('logged', () => numbers(join(b, 'log/main')).length === 10);
    assert.equal(loggerProcesses(d2.pid).length, 1);
  });

  test('two hosted loggers cannot share a logdir (the lock is per process): the second waits', async (t) => {
    const sc = join(root, 'shared');
    const shared = join(root, 'shared-logdir');
    const a = loggedService(join(sc, 'a'), 20, `t ${shared}`);
    const b = loggedService(join(sc, 'b'), 20, `t ${shared}`);
    const d = await svscan(t, sc);
    await until('one logs', () => existsSync(join(shared, 'current')) && numbers(shared).length >= 20);
    await until('the other one fails to lock', () => /unable to lock .*shared-logdir\/lock: (Resource|Device or resource) busy/.test(d.stderr));
    const up = [a, b].filter((s) => readStatus(join(s, 'log')).pid === d.pid && readStatus(join(s, 'log')).ready);
    assert.equal(up.length, 1, 'exactly one of the two runs');
    void run;
  });
});

test('the metrics count what hosted loggers wrote, across their restarts', async (t) => {
  const { get, parseMetrics } = await import('../http/http-helpers.js');
  const sc = join(root, 'metrics');
  const svc = loggedService(join(sc, 'a'), 40);
  const sock = join(root, 'metrics.sock');
  await svscan(t, sc, ['--http', sock]);
  await until('40 logged', () => numbers(join(svc, 'log/main')).length === 40);
  hexad(['svc', '-k', join(svc, 'log')]);
  await until('logger back', () => readStatus(join(svc, 'log')).ready && readStatus(join(svc, 'log')).pid > 0);
  const lines = async (): Promise<number | undefined> => {
    const m = parseMetrics((await get({ socketPath: sock }, '/metrics')).body);
    return m.get('hexad_logger_lines_total')?.metrics.find((x) => x.labels?.kind === 'logger')?.value as unknown as number | undefined;
  };
  await until('40 lines counted', async () => Number(await lines()) === 40);
  const m = parseMetrics((await get({ socketPath: sock }, '/metrics')).body);
  assert.equal(Number(m.get('hexad_logger_lines_dropped_total')?.metrics[0]?.value), 0);
  const bytes = Number(m.get('hexad_logger_bytes_total')?.metrics[0]?.value);
  assert.ok(bytes >= 40 * 'line 1\n'.length, `bytes ${bytes}`);
});

test('the consumer end of an s6-rc pipeline (hexad-pipe-in) is hosted too', async (t) => {
  const sc = join(root, 'pipeline');
  const prod = join(sc, 'prod');
  serviceDir(prod, { run: `exec ${process.execPath} ./producer.cjs\n`, 'producer.cjs': numberedProducer(100, 10, 8), 'hexad-pipe-out': 'p1\n' });
  const cons = join(sc, 'prod-log');
  serviceDir(cons, { run: `#!/bin/sh\nexec ${process.execPath} ${HEXAD} log t ./main\n`, 'hexad-pipe-in': 'p1\n' });
  const d = await svscan(t, sc);
  await until('100 logged', () => existsSync(join(cons, 'main')) && numbers(join(cons, 'main')).length === 100);
  assert.equal(readStatus(cons).pid, d.pid);
  assert.deepEqual(loggerProcesses(d.pid), []);
  assertSequence(numbers(join(cons, 'main')), 100);
});
