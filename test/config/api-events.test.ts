// The typed API in one process: events() subscribes when it is called, not when it is first
// iterated, so the events of a control() made after the call are delivered (the pattern
// `await waitFor(); const ev = events(); await control(); for await (… of ev)` used to get none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { project } from './fixture.js';
import { up, waitFor, events, control, down, type ServiceEvent } from '../../src/index.js';

test('events() called before a control() delivers its events after waitFor() in the same process', { timeout: 120_000 }, async (t) => {
  const p = project(t, { apps: [{ name: 'a', log: false, run: 'exec sleep 1000' }, { name: 'b', log: false, run: 'exec sleep 1000' }] });
  await up({ cwd: p.dir });
  await waitFor('a', 'up', { cwd: p.dir, timeout: 30_000 });
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 60_000);
  const ev = events({ cwd: p.dir, signal: ac.signal });
  await ev.subscribed;
  await control('a', 'restart', { cwd: p.dir });
  const got: ServiceEvent[] = [];
  for await (const e of ev) {
    got.push(e);
    if (e.service === 'a' && e.event === 'u') break;
  }
  clearTimeout(timer);
  assert.deepEqual(got.filter((e) => e.service === 'a').map((e) => e.event).filter((c) => 'du'.includes(c)), ['d', 'u'], JSON.stringify(got));
  assert.equal(got.some((e) => e.service === 'b'), false, 'nothing from b, which was not touched');

  // without awaiting `subscribed`: the subscription starts at the call, ahead of control()'s own work
  const ev2 = events({ cwd: p.dir, apps: ['b'], signal: AbortSignal.timeout(60_000) });
  await control('b', 'restart', { cwd: p.dir });
  const seen: string[] = [];
  for await (const e of ev2) {
    seen.push(e.event);
    if (e.event === 'u') break;
  }
  assert.ok(seen.includes('d') && seen.includes('u'), seen.join(''));
  await down({ cwd: p.dir });
});
