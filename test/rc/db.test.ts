// rc-db on the test database of s6-rc §11.3, the database format's version check, and the
// exit codes of bad databases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, rmrf, tmp } from '../helpers.js';
import { bundle, deps, longrun, oneshot, readyLongrun, writeSource } from './rc-helpers.js';

const root = tmp('hexad-rc-db-');
test.after(() => rmrf(root));
const src = writeSource(join(root, 'src'), {
  db: readyLongrun(),
  prod: longrun('while :; do echo tick; sleep 1; done\n', { 'producer-for': 'prodlog\n' }),
  prodlog: longrun('exec cat\n', { 'consumer-for': 'prod\n', 'pipeline-name': 'prod-pipeline\n' }),
  web: longrun(undefined, { ...deps(['db']), 'timeout-up': '5000\n' }),
  'after-web': oneshot('echo after-web is up\n', deps(['web'])),
  ess: oneshot('true\n', { 'flag-essential': '' }),
  setup: oneshot('/bin/sh -c "echo setup-up $$"\n', { down: '/bin/sh -c "echo setup-down"\n' }),
  all: bundle(['web', 'after-web', 'setup']),
});
const compiled = join(root, 'compiled');
const c = hexad(['rc-compile', compiled, src]);
const q = (...args: string[]): { code: number | null; out: string[]; err: string } => {
  const r = hexad(['rc-db', '-c', compiled, ...args]);
  return { code: r.code, out: r.stdout.split('\n').filter(Boolean), err: r.stderr };
};

test('rc-db: the queries of §11.3', () => {
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(q('list', 'services').out, ['s6rc-oneshot-runner', 's6rc-fdholder', 'db', 'prod', 'prodlog', 'web', 'after-web', 'ess', 'setup']);
  assert.deepEqual(q('list', 'all').out, ['setup', 'ess', 'after-web', 'web', 'prodlog', 'prod', 'db', 's6rc-fdholder', 's6rc-oneshot-runner', 'prod-pipeline', 'all']);
  assert.deepEqual(q('list', 'bundles').out, ['prod-pipeline', 'all']);
  assert.deepEqual(q('list', 'oneshots').out, ['after-web', 'ess', 'setup']);
  assert.deepEqual(q('list', 'longruns').out, ['s6rc-oneshot-runner', 's6rc-fdholder', 'db', 'prod', 'prodlog', 'web']);
  assert.deepEqual(q('dependencies', 'setup').out, ['s6rc-oneshot-runner']);
  assert.deepEqual(q('dependencies', 'prod').out, ['prodlog', 's6rc-fdholder']);
  assert.deepEqual(q('dependencies', 'prodlog').out, ['s6rc-fdholder']);
  assert.deepEqual(q('-d', 'dependencies', 'db').out, ['web']);
  assert.deepEqual(q('pipeline', 'prod').out, ['prod | prodlog']);
  assert.deepEqual(q('pipeline', 'prodlog').out, ['prod | prodlog']);
  assert.deepEqual(q('flags', 'ess').out, ['00000001']);
  assert.deepEqual(q('flags', 'db').out, ['00000000']);
  assert.deepEqual(q('all-dependencies', 'all').out, ['setup', 'after-web', 'web', 'db', 's6rc-oneshot-runner']);
  assert.deepEqual(q('-d', 'all-dependencies', 'db').out, ['after-web', 'web', 'db']);
  assert.deepEqual(q('atomics', 'all', 'db').out, ['setup', 'after-web', 'web', 'db']);
  assert.deepEqual(q('contents', 'all').out, ['web', 'after-web', 'setup']);
  assert.deepEqual(q('timeout', 'web').out, ['5000']);
  assert.deepEqual(q('-d', 'timeout', 'web').out, ['0']);
  assert.deepEqual(q('type', 'web').out, ['longrun']);
  assert.deepEqual(q('type', 'all').out, ['bundle']);
  assert.deepEqual(q('type', 'setup').out, ['oneshot']);
  const s = hexad(['rc-db', '-c', compiled, 'script', 'setup']);
  assert.equal(s.stdout, '/bin/sh\0-c\0echo setup-up $$\0');
  assert.equal(hexad(['rc-db', '-c', compiled, '-d', 'script', 'setup']).stdout, '/bin/sh\0-c\0echo setup-down\0');
  assert.equal(hexad(['rc-db', '-c', compiled, '-d', 'script', 'ess']).stdout, '');
  assert.equal(q('check').code, 0);
  assert.match(hexad(['rc-db', 'help']).stdout, /^hexad rc-db help\nhexad rc-db check\n/);
});

test('rc-db: exit codes', () => {
  assert.deepEqual(q('type', 'nosuch'), { code: 3, out: [], err: `hexad rc-db: fatal: nosuch is not a valid identifier in ${compiled}\n` });
  assert.deepEqual(q('contents', 'web'), { code: 5, out: [], err: `hexad rc-db: fatal: in database ${compiled}: identifier web represents an atomic service\n` });
  assert.deepEqual(q('script', 'web').code, 5);
  assert.match(q('script', 'web').err, /identifier web represents a longrun service/);
  assert.match(q('timeout', 'all').err, /identifier all represents a bundle/);
  assert.equal(q('list', 'nosuch').code, 100);
  assert.equal(q('frobnicate').code, 100);
  assert.equal(q('type').code, 100);
  const none = hexad(['rc-db', '-c', join(root, 'nosuch'), 'list', 'all']);
  assert.equal(none.code, 111);
});

test('database format: newer versions, corruption and s6-rc databases are refused with exit 4', () => {
  const copy = (name: string, f: (text: string) => string): string => {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'lock'), '');
    writeFileSync(join(dir, 'db.json'), f(readFileSync(join(compiled, 'db.json'), 'utf8')));
    return dir;
  };
  const newer = copy('newer', (t) => t.replace('"version":1', '"version":2'));
  const r = hexad(['rc-db', '-c', newer, 'list', 'all']);
  assert.deepEqual([r.code, r.stderr], [4, `hexad rc-db: fatal: invalid service database in ${newer}: format version 2 is newer than the version this hexad reads (1)\n`]);
  const broken = copy('broken', (t) => t.slice(0, 100));
  assert.equal(hexad(['rc-db', '-c', broken, 'list', 'all']).code, 4);
  const badIndex = copy('badindex', (t) => t.replace('"deps":[2]', '"deps":[99]'));
  assert.equal(hexad(['rc-db', '-c', badIndex, 'list', 'all']).code, 4);
  const s6rc = join(root, 's6rc');
  mkdirSync(s6rc);
  for (const f of ['lock', 'n', 'db', 'resolve.cdb']) writeFileSync(join(s6rc, f), '');
  const s = hexad(['rc-db', '-c', s6rc, 'list', 'all']);
  assert.deepEqual([s.code, s.stderr], [4, `hexad rc-db: fatal: invalid service database in ${s6rc}: this is an s6-rc database; compile the sources with hexad rc-compile\n`]);
});
