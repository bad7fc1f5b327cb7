// dependsOn under a 30-app config: every app starts only after its dependencies are ready
// (longruns with readiness) or completed (oneshots); `down` stops everything, nothing left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { project } from './fixture.js';
import { processAlive } from '../helpers.js';

test('30 apps: dependency order and readiness conditions hold', { timeout: 180_000 }, (t) => {
  const apps: unknown[] = [{ name: 'setup', oneshot: { up: 'sleep 0.3; echo "done setup $(date +%s%N)" >> events' } }];
  // three layers: 1-9 need setup completed, 10-19 need a ready app of the layer below, 20-29 need two
  for (let i = 1; i < 30; i++) {
    const deps: Record<string, string> = i < 10 ? { setup: 'completed' } : i < 20 ? { [`app${i - 9}`]: 'ready' } : { [`app${i - 10}`]: 'ready', [`app${i - 19}`]: 'ready' };
    apps.push({
      name: `app${i}`,
      log: false,
      // ready a little after start, so a dependent started on `started` would be caught
      run: `echo "start $HEXAD_APP $(date +%s%N)" >> events; sleep 0.2; echo "ready $HEXAD_APP $(date +%s%N)" >> events; echo >&3; exec sleep 1000`,
      ready: { type: 'notification-fd' },
      dependsOn: deps,
    });
  }
  const p = project(t, { apps });
  const r = p.run(['up', '-d']);
  assert.equal(r.code, 0, r.stderr);
  const events = readFileSync(p.file('events'), 'utf8').trim().split('\n').map((l) => l.split(' '));
  const at = (kind: string, name: string): number => {
    const e = events.find(([k, n]) => k === kind && n === name);
    assert.ok(e, `${kind} ${name} happened`);
    return Number(e[2]);
  };
  for (const a of apps.slice(1) as Array<{ name: string; dependsOn: Record<string, string> }>) {
    for (const [dep, cond] of Object.entries(a.dependsOn)) {
      const before = cond === 'completed' ? at('done', dep) : at('ready', dep);
      assert.ok(at('start', a.name) > before, `${a.name} started after ${dep} was ${cond}`);
    }
  }
  const ls = JSON.parse(p.run(['ls', '--json']).stdout);
  const rows = ls.services.filter((s: { name: string }) => s.name.startsWith('app'));
  assert.equal(rows.length, 29);
  for (const s of rows) {
    assert.equal(s.state, 'up');
    assert.equal(s.ready, true);
    assert.equal(typeof s.cpu, 'number');
    assert.ok(s.memory > 0);
  }
  const pids = rows.map((s: { pid: number }) => s.pid);
  assert.equal(p.run(['down']).code, 0);
  for (const pid of pids) assert.equal(processAlive(pid), false, `pid ${pid} gone after down`);
});
