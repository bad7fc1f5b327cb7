// The multi-call entry: `hexad TOOL`, links named after the s6 and einhorn tools, usage errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { HEXAD, hexad, rmrf, run, tmp } from '../helpers.js';

const root = tmp('hexad-cli-');
after(() => rmrf(root));

test('hexad links DIR: every tool name, each behaving as that tool', () => {
  const bin = join(root, 'bin');
  const r = hexad(['links', bin]);
  assert.equal(r.code, 0);
  const names = readdirSync(bin);
  for (const n of ['hexad', 's6-svc', 's6-svstat', 's6-svscan', 's6-supervise', 's6-log', 's6-rc', 's6-rc-compile', 's6-instance-create', 'einhorn', 'einhornsh']) {
    assert.ok(names.includes(n), n);
    assert.equal(realpathSync(join(bin, n)), realpathSync(HEXAD));
  }
  const u = run(join(bin, 's6-svc'), ['-Z', root]);
  assert.equal(u.code, 100);
  assert.equal(u.stderr, 's6-svc: usage: s6-svc [ -wu | -wU | -wd | -wD | -wr | -wR ] [ -T timeout ] [ -abqhkti12pcyroduDUxOQ ] servicedir\n');
  assert.equal(run(join(bin, 's6-svok'), [root]).code, 1);
  assert.equal(run(join(bin, 'hexad'), ['svok', root]).code, 1);
  assert.equal(hexad(['links', bin]).code, 0, 'idempotent');
});

test('hexad with no command, --help, an unknown command, --version', () => {
  const none = hexad([]);
  assert.equal(none.code, 100);
  assert.match(none.stderr, /^usage: hexad COMMAND/);
  assert.equal(hexad(['--help']).code, 0);
  const bad = hexad(['frobnicate']);
  assert.equal(bad.code, 100);
  assert.match(bad.stderr, /^hexad: fatal: unknown command: frobnicate; hexad --help lists the commands\n$/);
  assert.match(hexad(['--version']).stdout, /^hexad \d+\.\d+\.\d+\n$/);
  const u = hexad(['svc', '-t500']);
  assert.equal(u.code, 100);
  assert.match(u.stderr, /^hexad svc: usage: hexad svc \[/);
  assert.doesNotMatch(u.stderr, /\n.+\n/, 'one line');
});
