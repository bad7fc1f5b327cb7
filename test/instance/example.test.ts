// examples/instances: the tenants' instanced service is made, comes up under hexad svscan,
// gets one worker per tenant whose output reaches the catch-all log, and stops cleanly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, hexadDaemon, rmrf, ROOT, run, tmp, until } from '../helpers.js';
import { processesUnder } from './util.js';

const root = tmp('hexad-iexample-');
after(() => rmrf(root));
const TENANTS = join(ROOT, 'examples', 'instances', 'tenants.js');

test('examples/instances: one worker per tenant', { timeout: 60_000 }, async (t) => {
  const scan = join(root, 'scan');
  const made = run(process.execPath, [TENANTS, 'make', scan]);
  assert.equal(made.code, 0, made.stderr);
  const d = hexadDaemon(['svscan', scan]);
  t.after(async () => {
    d.kill('SIGTERM');
    await d.wait(20_000).catch(() => d.stop('SIGKILL'));
    const left = processesUnder(root);
    for (const pid of left) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    assert.deepEqual(left, []);
  });
  const created = run(process.execPath, [TENANTS, 'create', scan]);
  assert.equal(created.code, 0, created.stderr);
  const svc = join(scan, 'tenants');
  assert.deepEqual(hexad(['instance-list', svc]).stdout.split('\n').filter(Boolean).sort(), ['alice', 'bob', 'carol']);
  const log = join(root, 'logs', 'tenants', 'current');
  await until('every worker in the catch-all log', () => existsSync(log)
    && ['alice', 'bob', 'carol'].every((n) => readFileSync(log, 'utf8').includes(`tenant ${n}: worker started`)));
  assert.equal(hexad(['instance-delete', svc, 'bob']).code, 0);
  await until('bob said goodbye', () => readFileSync(log, 'utf8').includes('tenant bob: stopping'));
});
