// The crash-loop policy ends in `failed` and `hexad restart` clears it; `hexad logs -f` follows
// across a rotation without losing or repeating a line; the library API on the same state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { project } from './fixture.js';
import { HEXAD, until } from '../helpers.js';
import { status, waitFor, control, logs } from '../../src/index.js';

test('crash loop: failed after maxRestarts within the window, restart clears it', { timeout: 120_000 }, async (t) => {
  const p = project(t, { apps: [{ name: 'crashy', log: false, run: 'echo x >> deaths; exit 3', restart: { maxRestarts: 3, window: 60000, backoff: { initial: 50, factor: 2, max: 200 } } }] });
  assert.equal(p.run(['up', '-d']).code, 0);
  const row = () => JSON.parse(p.run(['ls', '--json']).stdout).services.find((s: { name: string }) => s.name === 'crashy');
  await until('failed', () => row().failed === true, 60_000);
  const r = row();
  assert.equal(r.state, 'down');
  assert.equal(r.wantUp, false, 'finish exited 125: s6 keeps it down');
  assert.equal(r.deaths, 3);
  assert.match(p.run(['ls', '--no-color']).stdout, /^crashy.*\bfailed\b/m);
  assert.equal(p.run(['restart', 'crashy']).code, 0);
  const after = row();
  assert.equal(after.failed, false, 'restart cleared failed');
  assert.ok(after.deaths < 3);
  await until('failed again', () => row().failed === true, 60_000);
});

test('logs -f follows across rotations: every line once, in order', { timeout: 120_000 }, async (t) => {
  const p = project(t, { apps: [{ name: 'chatty', log: { size: 4096, count: 20 }, run: 'i=0; while [ $i -lt 600 ]; do echo "line $i"; i=$((i+1)); [ $((i % 50)) -eq 0 ] && sleep 0.1; done; exec sleep 1000' }] });
  const f = spawn(process.execPath, [HEXAD, 'logs', '-f', '-n', '0', '--json'], { cwd: p.dir, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => f.kill());
  let out = '';
  f.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(p.run(['up', '-d']).code, 0);
  await until('600 lines followed', () => out.split('\n').filter(Boolean).length >= 600, 60_000);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l).line);
  assert.deepEqual(lines, Array.from({ length: 600 }, (_, i) => `line ${i}`));
  assert.ok(readdirSync(join(p.dir, '.hexad/logs/chatty')).some((n) => n.startsWith('@')), 'it did rotate');
  // -n across archives and current
  const last = p.run(['logs', '-n', '100', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l).line);
  assert.deepEqual(last, Array.from({ length: 100 }, (_, i) => `line ${500 + i}`));
});

test('library API: waitFor, status, control, logs', { timeout: 120_000 }, async (t) => {
  const p = project(t, { apps: [{ name: 'svc', ready: { type: 'notification-fd' }, run: 'echo hello-api; sleep 0.2; echo >&3; exec sleep 1000' }] });
  assert.equal(p.run(['up', '-d']).code, 0);
  const o = { cwd: p.dir };
  await waitFor('svc', 'ready', { ...o, timeout: 20_000 });
  const s = await status(o);
  const row = s.services.find((v) => v.name === 'svc')!;
  assert.equal(row.ready, true);
  assert.equal(typeof row.cpu, 'number');
  await control('svc', 'restart', o);
  await waitFor('svc', 'ready', { ...o, timeout: 20_000 });
  const recs = [];
  for await (const r of logs({ ...o, apps: ['svc'] })) recs.push(r);
  assert.ok(recs.filter((r) => r.line === 'hello-api').length >= 2);
  await assert.rejects(control('nope', 'start', o), /no app named nope/);
});
