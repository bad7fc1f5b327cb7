// examples/container under hexad init as PID 1: every stage runs, probes pass, TERM stops it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, ROOT, rmrf, tmp, until } from '../helpers.js';
import { canUnshare, installRoot, nsInitPid, startInit } from './init-helpers.js';

const base = tmp('hexad-init-example-');
after(() => rmrf(base));

test('examples/container runs under hexad init as PID 1', { skip: !canUnshare && 'needs root and unshare' }, async () => {
  const root = installRoot(join(ROOT, 'examples/container'), join(base, 'root'));
  const run = startInit(root, [], { PATH: `${root}/usr/local/bin:${process.env.PATH}`, PORT: '0', GREETING: 'hi from the test' });
  const env = { ...process.env, HEXAD_INIT_ROOT: root };
  await until('probe ready', () => hexad(['probe', 'ready'], { env }).code === 0, 90_000);
  assert.equal(hexad(['probe', 'live'], { env }).code, 0);
  assert.ok(existsSync(join(root, 'var/lib/app/migrated')));
  await until('the worker logged', () => existsSync(join(root, 'var/log/worker/current')) && readFileSync(join(root, 'var/log/worker/current'), 'utf8').includes('greeting=hi from the test'), 60_000);
  process.kill(nsInitPid(run.child.pid!), 'SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout + r.stderr;
  for (const s of ['cont-init: wrote', 'migrate: done', 'api: listening on', 'cont-finish: goodbye']) assert.ok(out.includes(s), `${s} in ${out}`);
  assert.ok(out.indexOf('cont-init: wrote') < out.indexOf('migrate: done'));
  assert.ok(out.indexOf('migrate: done') < out.indexOf('api: listening on'));
  assert.match(readFileSync(join(root, 'var/log/worker/current'), 'utf8'), /worker: finished/);
});
