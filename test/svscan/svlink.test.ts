// svlink / svunlink, hexad's and Debian's, on hexad's and Debian's scanners.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isLocked } from '../../src/s6/lockfile.js';
import { Daemon, hexad, requireS6, rmrf, run, serviceDir, tmp, until } from '../helpers.js';
import { countProcs, scanning, svscan } from './scan-helpers.js';

const root = tmp('hexad-svlink-');
after(() => rmrf(root));
let seq = 0;

async function scanner(t: { after: (fn: () => unknown) => void }, kind: 'hexad' | 's6'): Promise<string> {
  const sc = join(root, `scan${seq++}`);
  mkdirSync(sc);
  if (kind === 'hexad') await svscan(t, sc);
  else {
    requireS6();
    const d = new Daemon('/usr/bin/s6-svscan', [sc]);
    t.after(() => d.stop());
    await scanning(sc);
  }
  return sc;
}

const link = (tools: 'hexad' | 's6', args: string[]) => (tools === 'hexad' ? hexad(['svlink', ...args]) : run('/usr/bin/s6-svlink', args));
const unlink = (tools: 'hexad' | 's6', args: string[]) => (tools === 'hexad' ? hexad(['svunlink', ...args]) : run('/usr/bin/s6-svunlink', args));

describe('svlink and svunlink', { timeout: 120_000 }, () => {
  for (const [tools, tree] of [['hexad', 'hexad'], ['s6', 'hexad'], ['hexad', 's6']] as const) {
    test(`${tools} tools on a ${tree} scanner: link, -d, -D, unlink`, async (t) => {
      const sc = await scanner(t, tree);
      const n = String(310_000 + seq * 10);
      const svc = serviceDir(join(root, `svc${seq}`), { run: `exec sleep ${n}`, 'log/run': 'exec cat >/dev/null' });
      const r = link(tools, ['-t', '20000', sc, svc, 'web']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readlinkSync(join(sc, 'web')), svc);
      assert.ok(isLocked(join(svc, 'supervise', 'lock')) && isLocked(join(svc, 'log', 'supervise', 'lock')), 'service and logger supervised on return');
      await until('running', () => countProcs('sleep', n).length === 1);
      const u = unlink(tools, ['-t', '20000', sc, 'web']);
      assert.equal(u.code, 0, u.stderr);
      assert.ok(!existsSync(join(sc, 'web')));
      await until('stopped', () => countProcs('sleep', n).length === 0 && !isLocked(join(svc, 'supervise', 'lock')));
      // -D: supervised but kept down, ./down stays; -d: down, ./down removed after
      const svc2 = serviceDir(join(root, `svc${seq}b`), { run: `exec sleep ${n}1` });
      assert.equal(link(tools, ['-D', '-t', '20000', sc, svc2]).code, 0);
      assert.ok(existsSync(join(svc2, 'down')));
      const svc3 = serviceDir(join(root, `svc${seq}c`), { run: `exec sleep ${n}2` });
      assert.equal(link(tools, ['-d', '-t', '20000', sc, svc3]).code, 0);
      assert.ok(!existsSync(join(svc3, 'down')));
      assert.equal(countProcs('sleep', `${n}1`).length + countProcs('sleep', `${n}2`).length, 0);
      assert.equal(unlink(tools, ['-t', '20000', sc, `svc${seq}b`]).code, 0);
      assert.equal(unlink(tools, ['-t', '20000', sc, `svc${seq}c`]).code, 0);
    });
  }

  test('errors: no scanner (1), run not executable (100), bad names (100)', async (t) => {
    const sc = join(root, 'noscan');
    mkdirSync(join(sc, '.s6-svscan'), { recursive: true });
    run('touch', [join(sc, '.s6-svscan', 'lock')]);
    const svc = serviceDir(join(root, 'e1'), { run: 'exec sleep 1' });
    const r = hexad(['svlink', sc, svc]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /s6-svscan not running on /);
    const live = await scanner(t, 'hexad');
    const bad = serviceDir(join(root, 'e2'), { 'run': '' });
    run('chmod', ['644', join(bad, 'run')]);
    assert.equal(hexad(['svlink', live, bad]).code, 100);
    assert.equal(hexad(['svlink', live, svc, '.hidden']).code, 100);
    assert.equal(hexad(['svunlink', live, '/abs']).code, 100);
    assert.equal(hexad(['svunlink', live, 'nothing-there']).code, 0);
  });
});
