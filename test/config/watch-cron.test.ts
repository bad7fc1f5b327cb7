// watch restarts on a change and not on an ignored file; cron fires on its schedule (an
// injected clock: no sleeping minutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { project } from './fixture.js';
import { sleep, until } from '../helpers.js';
import { nextFire, schedule, type Clock } from '../../src/config/watcher.js';

test('cron: schedule() fires at each tick of the expression, on an injected clock', () => {
  let now = Date.UTC(2026, 0, 1, 10, 0, 30);
  const timers: Array<{ at: number; f: () => void; dead: boolean }> = [];
  const clock: Clock = { now: () => now, setTimeout: (f, ms) => { const t = { at: now + ms, f, dead: false }; timers.push(t); return { cancel: () => { t.dead = true; } }; } };
  const fired: string[] = [];
  const stop = schedule('*/5 * * * *', clock, () => fired.push(new Date(now).toISOString()));
  for (let i = 0; i < 3; i++) {
    const t = timers.filter((x) => !x.dead).sort((a, b) => a.at - b.at)[0];
    t.dead = true;
    now = t.at;
    t.f();
  }
  stop();
  assert.deepEqual(fired, ['2026-01-01T10:05:00.000Z', '2026-01-01T10:10:00.000Z', '2026-01-01T10:15:00.000Z']);
  assert.equal(timers.filter((x) => !x.dead).length, 0, 'stop cancels the pending timer');
  assert.equal(nextFire('0 3 * * *', Date.UTC(2026, 0, 1, 3, 0, 0)), Date.UTC(2026, 0, 2, 3, 0, 0));
  // six fields: seconds
  assert.equal(nextFire('*/10 * * * * *', Date.UTC(2026, 0, 1, 0, 0, 1)), Date.UTC(2026, 0, 1, 0, 0, 10));
});

test('cron on a real oneshot: a per-second schedule reruns it', { timeout: 120_000 }, async (t) => {
  const p = project(t, { apps: [{ name: 'tick', oneshot: { up: 'echo x >> ticks' }, cron: '* * * * * *' }] });
  assert.equal(p.run(['up', '-d']).code, 0, 'up');
  const { readFileSync } = await import('node:fs');
  await until('three runs', () => readFileSync(p.file('ticks'), 'utf8').split('\n').length > 3, 60_000);
});

test('watch: a change restarts the app, an ignored file does not', { timeout: 120_000 }, async (t) => {
  const p = project(t, { apps: [{ name: 'w', log: false, run: 'exec sleep 1000', watch: { paths: ['src'], ignore: ['**/*.tmp'], debounce: 200 } }] });
  mkdirSync(p.file('src'));
  assert.equal(p.run(['up', '-d']).code, 0);
  const pid = () => JSON.parse(p.run(['ls', '--json']).stdout).services.find((s: { name: string }) => s.name === 'w').pid;
  const first = await until('w up', pid);
  await sleep(1500); // the watcher service is up and watching
  writeFileSync(p.file('src/x.tmp'), 'ignored');
  await sleep(1500);
  assert.equal(pid(), first, 'an ignored file changes nothing');
  writeFileSync(p.file('src/app.js'), 'changed');
  await until('restarted', () => { const n = pid(); return n && n !== first; }, 30_000);
});
