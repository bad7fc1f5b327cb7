// No loss: 200,000 numbered lines through a logged service while the logger is killed 20
// times and the service restarted 5 times; the log directory then holds every line exactly
// once, in order. Then the same with a rotation size small enough to rotate hundreds of times.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStatus } from '../../src/s6/status.js';
import { HEXAD, hexad, rmrf, serviceDir, sleep, tmp, until } from '../helpers.js';
import { numberedProducer, svscan, serviceUp } from './scan-helpers.js';

const root = tmp('hexad-noloss-');
after(() => rmrf(root));

const LINES = 200_000;

function logLines(logdir: string): string[] {
  const files = readdirSync(logdir).filter((f) => /^@[0-9a-f]{24}\.[su]$/.test(f)).sort();
  if (existsSync(join(logdir, 'current'))) files.push('current');
  const lines: string[] = [];
  for (const f of files) {
    for (const l of readFileSync(join(logdir, f), 'utf8').split('\n')) if (l) lines.push(l.replace(/^@[0-9a-f]{24} /, ''));
  }
  return lines;
}

async function noLoss(t: { after: (fn: () => unknown) => void }, name: string, logScript: string): Promise<number> {
  const sc = join(root, name);
  const svc = join(sc, 'prod');
  serviceDir(svc, {
    run: `exec ${process.execPath} ./producer.cjs\n`,
    'producer.cjs': numberedProducer(LINES, 100, 15),
    'log/run': `exec ${process.execPath} ${HEXAD} log -b ${logScript} ./main\n`,
    'log/notification-fd': '3\n',
  });
  writeFileSync(join(svc, 'log/run'), `#!/bin/sh\nexec ${process.execPath} ${HEXAD} log -d3 -b ${logScript} ./main\n`);
  await svscan(t, sc);
  await serviceUp(svc);
  const counter = (): number => { try { return Number(readFileSync(join(svc, 'counter'), 'utf8')); } catch { return 0; } };
  // 20 logger kills and 5 service restarts spread over the production
  const events = [...Array(20).fill('log'), ...Array(5).fill('svc')];
  await until('lines flowing', () => counter() > 0);
  for (let i = 0; i < events.length; i++) {
    const target = events[(i * 7) % events.length] === 'log' ? join(svc, 'log') : svc;
    await until('logger ready', () => readStatus(join(svc, 'log')).ready && readStatus(svc).pid);
    hexad(['svc', '-t', target]);
    await until(`${target} restarted`, () => { const s = readStatus(target); return s.pid && !s.finishing; });
    await sleep(30);
  }
  assert.ok(counter() < LINES, 'the kills happened while lines were flowing');
  await until('all lines produced', () => counter() === LINES, 120_000);
  const logdir = join(svc, 'log', 'main');
  await until('all lines logged', () => logLines(logdir).at(-1) === `line ${LINES}`, 60_000);
  const lines = logLines(logdir);
  assert.equal(lines.length, LINES);
  for (let i = 0; i < LINES; i++) if (lines[i] !== `line ${i + 1}`) assert.fail(`line ${i + 1} is "${lines[i]}"`);
  return readdirSync(logdir).filter((f) => f.startsWith('@')).length;
}

describe('logger pipes lose nothing', { timeout: 300_000, concurrency: true }, () => {
  test('200,000 lines, logger killed 20 times, service restarted 5 times', async (t) => {
    await noLoss(t, 'plain', 't n100 s1000000');
  });

  test('the same with rotation every 16 kB: hundreds of rotations', async (t) => {
    const archives = await noLoss(t, 'rotating', 't n100000 s16384');
    assert.ok(archives >= 200, `${archives} rotations`);
  });
});
