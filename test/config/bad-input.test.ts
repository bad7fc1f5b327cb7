// Bad configs and bad names: one line naming file, app and key, exit 100, nothing started and
// no state directory written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { project } from './fixture.js';

const cases: Array<[string, string, unknown, RegExp]> = [
  ['JSON syntax error', 'hexad.config.json', '{ "apps": [ { "name": "a", } ] }', /hexad\.config\.json: syntax error: /],
  ['YAML syntax error', 'hexad.config.yaml', 'apps:\n  - name: a\n    run: [unclosed\n', /hexad\.config\.yaml: syntax error: /],
  ['TS syntax error', 'hexad.config.ts', 'export default { apps: [ { name: "a", run: "x" } ;\n', /hexad\.config\.ts: syntax error: \d+:\d+: /],
  ['dependency cycle', 'hexad.config.json', { apps: [{ name: 'a', run: 'x', dependsOn: ['b'] }, { name: 'b', run: 'x', dependsOn: ['a'] }] }, /app "a": dependsOn: dependency cycle: a -> b -> a$/],
  ['two apps with one name', 'hexad.config.json', { apps: [{ name: 'a', run: 'x' }, { name: 'a', run: 'y' }] }, /app "a": name: two apps have this name$/],
  ['missing run', 'hexad.config.json', { apps: [{ name: 'a' }] }, /app "a": run: is required/],
  ['unknown key', 'hexad.config.json', { apps: [{ name: 'a', run: 'x', restartt: 1 }] }, /app "a": restartt: unknown key$/],
  ['wrong type', 'hexad.config.json', { apps: [{ name: 'a', run: 'x', instances: 'two' }] }, /app "a": instances: must be a list of strings$/],
  ['nested unknown key', 'hexad.config.json', { apps: [{ name: 'a', run: 'x', log: { sise: 10 } }] }, /app "a": log\.sise: unknown key$/],
  ['einhorn readiness without a socket', 'hexad.config.json', { apps: [{ name: 'a', run: 'x', ready: { type: 'einhorn' } }] }, /app "a": ready\.type: einhorn readiness needs a socket app \(socket\.bind\)$/],
  ['unknown dependency', 'hexad.config.json', { apps: [{ name: 'a', run: 'x', dependsOn: ['zz'] }] }, /app "a": dependsOn: no app named zz$/],
];

for (const [what, name, config, re] of cases) {
  test(`bad config: ${what}`, { timeout: 60_000 }, (t) => {
    const p = project(t, config, name);
    for (const cmd of [['config', 'check'], ['up', '-d']]) {
      const r = p.run(cmd);
      assert.equal(r.code, 100, r.stderr);
      assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
      assert.match(r.stderr.trim(), new RegExp(`^hexad ${cmd[0]}: fatal: ${p.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`));
      assert.match(r.stderr.trim(), re);
    }
    assert.equal(existsSync(join(p.dir, '.hexad')), false, 'no state directory');
    assert.deepEqual(readdirSync(p.dir).filter((n) => n.startsWith('.')), [], 'no temporary file left');
  });
}

test('an unknown app name in a command: one line, exit 100, nothing started', { timeout: 60_000 }, (t) => {
  const p = project(t, { apps: [{ name: 'a', run: 'exec sleep 100', log: false }] });
  for (const cmd of [['up', '-d', 'nope'], ['restart', 'nope'], ['logs', 'nope'], ['scale', 'nope', '2']]) {
    const r = p.run(cmd);
    assert.equal(r.code, 100, `${cmd.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `hexad ${cmd[0]}: fatal: no app named nope in ${p.file('hexad.config.json')}\n`);
  }
  assert.equal(existsSync(join(p.dir, '.hexad', 'scan')), false);
});

test('no config file: exit 100 naming the names looked for', { timeout: 60_000 }, (t) => {
  const p = project(t, {}, 'other.json');
  const r = p.run(['up']);
  assert.equal(r.code, 100);
  assert.match(r.stderr, /^hexad up: fatal: no config file: none of hexad\.config\.ts, .* \(or give one with -c\)\n$/);
});
