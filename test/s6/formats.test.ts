import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packStatus, unpackStatus, wstatFromExit, wstatSignaled, wstatSignal, wstatExitCode } from '../../src/s6/status.js';
import { packTain, parseTainLabel, secondsSince, taiNow, tainLabel, unpackTain } from '../../src/s6/tai.js';
import { parseSignal, signalName } from '../../src/s6/signals.js';
import { getopt, UsageError } from '../../src/cli/getopt.js';

test('TAI64N: TAI is Unix + 37 s, packed with 2^62, labelled as 24 hex digits', () => {
  const t = { sec: 1795288173 + 37, nsec: 0x0e20855c };
  const b = Buffer.alloc(12);
  packTain(t, b);
  assert.equal(b.toString('hex'), '400000006b01ec920e20855c');
  assert.deepEqual(unpackTain(b), t);
  assert.equal(tainLabel(t), '@400000006b01ec920e20855c');
  assert.deepEqual(parseTainLabel('@400000006b01ec920e20855c'), t);
  const now = taiNow();
  assert.ok(Math.abs(now.sec - 37 - Date.now() / 1000) < 2);
  assert.equal(secondsSince({ sec: now.sec - 5, nsec: now.nsec + (now.nsec < 999_999_999 ? 1 : 0) }, now), 4);
  assert.equal(secondsSince({ sec: now.sec + 10, nsec: 0 }, now), 0);
});

test('status: the 35-byte layout of the observed UP+READY hexdump', () => {
  const hex = '400000006b01f0981e1d50b5400000006b01f099006dcba300000000' + '00005ece' + '00000c';
  const s = unpackStatus(Buffer.from(hex, 'hex'));
  assert.equal(s.pid, 0x5ece);
  assert.equal(s.wstat, 0);
  assert.deepEqual([s.paused, s.finishing, s.wantUp, s.ready], [false, false, true, true]);
  assert.equal(packStatus(s).toString('hex'), hex);
  assert.throws(() => unpackStatus(Buffer.alloc(34)));
});

test('wait statuses decode as WIFSIGNALED/WTERMSIG/WEXITSTATUS', () => {
  assert.equal(wstatFromExit(3, null), 0x0300);
  assert.equal(wstatFromExit(null, 9), 9);
  assert.ok(wstatSignaled(9));
  assert.equal(wstatSignal(15), 15);
  assert.equal(wstatExitCode(0x0300), 3);
  assert.ok(!wstatSignaled(0x0300));
});

test('signals parse as sig0_scan does and print as s6-svstat does', () => {
  assert.equal(parseSignal('TERM'), 15);
  assert.equal(parseSignal('sigkill'), 9);
  assert.equal(parseSignal('SIGHUP'), 1);
  assert.equal(parseSignal('10'), 10);
  assert.equal(parseSignal('TERM '), null);
  assert.equal(parseSignal('bogus'), null);
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName(6), 'SIGABRT');
});

test('getopt: clustered flags, attached and separate arguments, -- and the first operand', () => {
  assert.deepEqual(getopt(['-uwU', '-t500', 'dir'], 'uUdDt:w:'), { opts: [['u', undefined], ['w', 'U'], ['t', '500']], rest: ['dir'] });
  assert.deepEqual(getopt(['-t', '500', '--', '-x'], 't:'), { opts: [['t', '500']], rest: ['-x'] });
  assert.deepEqual(getopt(['a', '-u'], 'u'), { opts: [], rest: ['a', '-u'] });
  assert.deepEqual(getopt(['-'], 'u'), { opts: [], rest: ['-'] });
  assert.throws(() => getopt(['-Z'], 'u'), UsageError);
  assert.throws(() => getopt(['-t'], 't:'), UsageError);
  assert.deepEqual(getopt(['--name=x', '--flag', 'y'], '', [{ name: 'name', arg: true }, { name: 'flag', arg: false }]),
    { opts: [['name', 'x'], ['flag', undefined]], rest: ['y'] });
});
