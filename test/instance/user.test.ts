// -u and -l: the nested scanner and every instance run as the user, the catch-all logger as
// the log user; the tools run by root act as the owner of the instanced service.
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lookupUser } from '../../src/instance/user.js';
import { readStatus } from '../../src/s6/status.js';
import { hexad, rmrf, tmp, until } from '../helpers.js';
import { cmdline, instanceUp, Tree, uidOf } from './util.js';

const root = tmp('hexad-iuser-');
chmodSync(root, 0o755); // the users must be able to reach their directories
const tree = new Tree(root);
const logs = join(root, 'logs', 'catch-all');
const nobody = lookupUser('nobody')!;
const daemon = lookupUser('daemon')!;
let svc = '', self = '';

before(async () => {
  if (process.geteuid!() !== 0) throw new Error('these tests need root (to switch users)');
  svc = tree.make('inst', { run: 'echo "$1 runs as $(id -u)"\nexec sleep 1000\n' }, { args: ['-u', 'nobody', '-l', 'daemon', '-L', logs, '-t', '0'] });
  // -u naming the user the tree already runs as: nothing to switch (works without root too)
  self = tree.make('self', { run: 'exec sleep 1000\n' }, { args: ['-u', 'root'] });
  await tree.start();
});
after(async () => {
  const left = await tree.stop();
  rmrf(root);
  assert.deepEqual(left, [], 'processes left behind');
});

describe('instance-maker -u / -l', { timeout: 60_000 }, () => {
  test('the nested scanner runs as the user, on directories given to it', () => {
    const pid = readStatus(svc).pid;
    assert.equal(uidOf(pid), nobody.uid);
    // the helper switched users, then ran svscan in the same process
    assert.deepEqual(cmdline(pid).slice(2), ['instance-maker', '--setuidgid', 'nobody', '--own', 'instance', '--own', 'instances', '--',
      'svscan', '-d3', '-c500', '--', 'instance']);
    for (const d of ['instance', 'instances']) {
      const st = statSync(join(svc, d));
      assert.deepEqual([st.uid, st.gid], [nobody.uid, nobody.gid], d);
    }
  });

  test('instances created by root run as the user, in directories of the user', async () => {
    const r = hexad(['instance-create', svc, 'alpha']);
    assert.equal(r.code, 0, r.stderr);
    const pid = await instanceUp(svc, 'alpha');
    assert.equal(uidOf(pid), nobody.uid);
    const copy = statSync(join(svc, 'instances', 'alpha'));
    assert.deepEqual([copy.uid, copy.gid], [nobody.uid, nobody.gid]);
    assert.equal(statSync(join(svc, 'instances', 'alpha', 'event')).gid, nobody.gid);
    assert.equal(hexad(['instance-control', '-T', '20000', '-wD', '-d', svc, 'alpha']).code, 0);
    assert.match(hexad(['instance-status', svc, 'alpha']).stdout, /^down /);
    assert.equal(hexad(['instance-delete', svc, 'alpha']).code, 0);
    assert.ok(!existsSync(join(svc, 'instances', 'alpha')));
  });

  test('-u with the user the tree runs as: no switch needed', async () => {
    assert.equal(uidOf(readStatus(self).pid), 0);
    assert.equal(hexad(['instance-create', self, 'x']).code, 0);
    assert.equal(uidOf(await instanceUp(self, 'x')), 0);
  });

  test('the catch-all logger runs as the log user and gets the instances\' output', async () => {
    assert.equal(hexad(['instance-create', svc, 'beta']).code, 0);
    const pid = readStatus(join(svc, 'log')).pid;
    assert.equal(uidOf(pid), daemon.uid);
    assert.equal(statSync(logs).uid, daemon.uid);
    await until('the line in the catch-all log', () => existsSync(join(logs, 'current'))
      && readFileSync(join(logs, 'current'), 'utf8').includes(`beta runs as ${nobody.uid}\n`));
  });
});
