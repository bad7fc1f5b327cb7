// The README's first command: `npm start` brings the example tree up and prints the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, run } from './helpers.js';

test('npm start -- --once: the example tree (rc bundle, einhorn, instances) comes up', { timeout: 120_000 }, () => {
  const r = run(process.execPath, [join(ROOT, 'examples', 'start.js'), '--once'], { cwd: ROOT, timeout: 110_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /scanner running, 7 services/);
  for (const name of ['web', 'rc-web \\(rc: up\\)', 'rc-db \\(rc: up\\)', 'logged', 'einhorn', 'tenants']) assert.match(r.stdout, new RegExp(`\\n${name}\\s+up\\s`));
  for (const tenant of ['alice', 'bob', 'carol']) assert.match(r.stdout, new RegExp(`\\n  ${tenant}\\s+up\\s`));
  assert.match(r.stdout, /\n  logged\/log\s+up\s+\d+\s+\S+\s+yes/);
  assert.match(r.stdout, /prepare\s+oneshot\s+up/);
});
