// A corrupt or short supervise/status must not hide the other services, and the s6 tools'
// readings of it (s6-svstat, s6-svok) are what hexad's print.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, rmrf, run, serviceDir, tmp } from '../helpers.js';
import { svscan, serviceUp } from '../svscan/scan-helpers.js';

const root = tmp('hexad-status-corrupt-');
after(() => rmrf(root));

const ff = (n: number, last?: number): Buffer => {
  const b = Buffer.alloc(n, 0xff);
  if (last !== undefined) b[n - 1] = last;
  return b;
};

test('status: a corrupt and a short status file are marked, every other service shown', { timeout: 60_000 }, async (t) => {
  const sc = join(root, 'scan');
  for (const n of ['good', 'garbage', 'short']) serviceDir(join(sc, n), { run: 'exec sleep 1000' });
  await svscan(t, sc);
  for (const n of ['good', 'garbage', 'short']) await serviceUp(join(sc, n));
  writeFileSync(join(sc, 'garbage', 'supervise', 'status'), ff(35));
  writeFileSync(join(sc, 'short', 'supervise', 'status'), Buffer.from('abc'));

  const table = hexad(['status', sc]);
  assert.equal(table.code, 0, table.stderr);
  const row = (name: string) => table.stdout.split('\n').find((l) => l.startsWith(name + ' '))!.split(/\s{2,}/);
  assert.equal(row('good')[1], 'up');
  assert.equal(row('garbage')[1], 'unreadable');
  assert.equal(row('short')[1], 'unreadable');
  assert.match(table.stdout, /garbage: .*supervise\/status: corrupt status file/);
  assert.match(table.stdout, /short: .*supervise\/status: short status file/);

  const json = hexad(['status', '--json', sc]);
  assert.equal(json.code, 0, json.stderr);
  const o = JSON.parse(json.stdout);
  const by = (n: string) => o.services.find((s: { name: string }) => s.name === n);
  assert.equal(by('good').state, 'up');
  assert.equal(by('good').statusError, null);
  assert.equal(by('garbage').state, 'unreadable');
  assert.equal(by('short').state, 'unreadable');
  assert.equal(by('short').supervised, true, 'supervised, as s6-svok says');
  assert.match(by('short').statusError, /short status file/);

  // s6-svok and hexad svok agree on the short one: supervised
  assert.equal(run('s6-svok', [join(sc, 'short')]).code, 0);
  assert.equal(hexad(['svok', join(sc, 'short')]).code, 0);
  // a short file: both svstat fail the same way
  const s6short = run('s6-svstat', [join(sc, 'short')]);
  const hxshort = hexad(['svstat', join(sc, 'short')]);
  assert.equal(hxshort.code, s6short.code);
});

test('svstat reads a garbage status as s6-svstat does (32-bit pid, wrapped ages)', { timeout: 60_000 }, async (t) => {
  const sc = join(root, 'scan2');
  serviceDir(join(sc, 'x'), { run: 'exec sleep 1000' });
  await svscan(t, sc);
  await serviceUp(join(sc, 'x'));
  const file = join(sc, 'x', 'supervise', 'status');
  const pidHigh = Buffer.alloc(35);
  pidHigh.writeUInt32BE(1, 24);
  pidHigh.writeUInt32BE(0x8000_0005, 28);
  const fields = ['-o', 'up,wantedup,ready,paused,pid,exitcode,signal,signum,readysince'];
  for (const content of [ff(35), ff(35, 0), ff(35, 4), ff(35, 8), pidHigh]) {
    writeFileSync(file, content);
    const s6 = run('s6-svstat', [...fields, join(sc, 'x')]);
    const hx = hexad(['svstat', ...fields, join(sc, 'x')]);
    assert.equal(hx.code, s6.code, hx.stderr);
    assert.equal(hx.stdout, s6.stdout, `fields of ${content.toString('hex')}`);
    // updownsince is "now" when the stamp is in the future (so not compared to the nanosecond)
    const since = (r: { stdout: string }) => BigInt('0x' + r.stdout.trim().slice(1, 17));
    const d = since(hexad(['svstat', '-o', 'updownsince', join(sc, 'x')])) - since(run('s6-svstat', ['-o', 'updownsince', join(sc, 'x')]));
    assert.ok(d >= -2n && d <= 2n);
    // the human line: same words; the ages are compared within a second
    const s6h = run('s6-svstat', [join(sc, 'x')]).stdout;
    const hxh = hexad(['svstat', join(sc, 'x')]).stdout;
    assert.equal(hxh.replace(/\d{6,}/g, 'N'), s6h.replace(/\d{6,}/g, 'N'));
    const big = (s: string) => (s.match(/\d{6,}/g) ?? []).map(BigInt);
    big(hxh).forEach((n, i) => assert.ok(n - big(s6h)[i] <= 2n && big(s6h)[i] - n <= 2n, `${hxh} vs ${s6h}`));
  }
  assert.match(hexad(['svstat', join(sc, 'x')]).stdout, /^up \(pid -2147483643\)/);
});
