// Script and command-line errors: the same exit code and the same one-line message as
// Debian's s6-log (program name aside).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmrf, tmp } from '../helpers.js';
import { requireS6Log, runLog } from './util.js';

requireS6Log();

const SCRIPT_ERRORS: string[][] = [
  ['x'],
  ['tt', '1'],
  ['1x'],
  ['2x'],
  ['='],
  ['fx', '1'],
  ['Tx', '1'],
  ['+a'],
  ['s10'],
  ['t'],
  ['-'],
  ['f'],
  ['+[', '1'],
  ['+a{', '1'],
  ['+[[:nope:]]', '1'],
  ['+(a', '1'],
  ['+*a', '1'],
  ['nX', '1'],
  ['n', '1'],
  ['n3x', '1'],
  ['n-1', '1'],
  ['n+3', '1'],
  ['s', '1'],
  ['s1e', '1'],
  ['SX', '1'],
  ['S18446744073709551616', '1'],
  ['l4294967296', '1'],
  ['r4294967295', '1'],
  ['r2147483648', '1'],
  ['E5x', '1'],
  ['^', '1'],
  ['s4096', 'l2049', '1'],
  ['l50000', 's200000', '1'],
  // the first pass (structure) reports before the second (values)
  ['nX', '1x'],
  ['1x', 'nX'],
  ['-d', '2', '1'],
  ['-d', '9', '1'],
];

const ACCEPTED: string[][] = [
  ['S18446744073709551615', '1'],
  ['r2147483647', '1'],
  ['s4096', 'l2048', '1'],
  ['s8000', 'l3000', 's5000', '1'],
  ['s99999999', '1'],
  ['!', '?', 'p', '1'],
  ['1', '+x'],
  ['--', '1'],
];

const USAGE: string[][] = [[], ['-l', 'x', '1'], ['-Z', '1'], ['-[', '1'], ['-a{', '1'], ['-d'], ['-d', 'x', '1']];

for (const args of SCRIPT_ERRORS) {
  test(`error parity: ${JSON.stringify(args)}`, () => {
    const dir = tmp('hexad-log-err-');
    try {
      const s6 = runLog('s6', args, dir, 'hi\n');
      const ours = runLog('hexad', args, dir, 'hi\n');
      assert.notEqual(s6.code, 0);
      assert.deepEqual({ code: ours.code, stderr: ours.stderr, stdout: ours.stdout }, { code: s6.code, stderr: s6.stderr, stdout: s6.stdout });
      assert.equal(ours.stderr.split('\n').length, 2, 'one line');
    } finally {
      rmrf(dir);
    }
  });
}

test('accepted edge values, as s6-log accepts them', () => {
  const dir = tmp('hexad-log-ok-');
  try {
    for (const args of ACCEPTED) {
      const s6 = runLog('s6', args, dir, 'hi\n');
      const ours = runLog('hexad', args, dir, 'hi\n');
      assert.deepEqual(ours, s6, JSON.stringify(args));
      assert.equal(ours.code, 0);
    }
  } finally {
    rmrf(dir);
  }
});

test('usage errors: exit 100 and one usage line', () => {
  const dir = tmp('hexad-log-usage-');
  try {
    for (const args of USAGE) {
      const s6 = runLog('s6', args, dir, 'hi\n');
      const ours = runLog('hexad', args, dir, 'hi\n');
      assert.equal(s6.code, 100);
      assert.equal(ours.code, 100, JSON.stringify(args));
      assert.match(ours.stderr, /^PROG: usage: hexad log \[ -d notif \] .* logging_script\n$/);
    }
  } finally {
    rmrf(dir);
  }
});
