// The same script and input through Debian's s6-log and through `hexad log` leave the same
// files (timestamps masked) and print the same thing, for every directive of the language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { rmrf, tmp } from '../helpers.js';
import { maskStamps, requireS6Log, runLog, snapshot, type Kind } from './util.js';

requireS6Log();

const long = 'L'.repeat(150) + 'M'.repeat(150);
const INPUT = [
  'ERR disk full',
  'info: started',
  'warn: slow disk',
  'abc',
  'abcd',
  'xy',
  'x',
  '',
  'tab\there',
  'STAT ok 1',
  'STAT ok 2 with a longer status text',
  '123 numbers 4567',
  long,
  'a\0b',
  'Ünïcödé bytes \xff\xfe',
  'last line',
].join('\n') + '\n';

interface Case { name: string; args: string[]; opts?: string[]; input?: string }

const CASES: Case[] = [
  { name: 'logdir with TAI64N stamps', args: ['t', './d'] },
  { name: 'logdir with local stamps', args: ['T', './d'] },
  { name: 'both stamps and a prefix', args: ['t', 'T', 'pPFX:', './d'] },
  { name: 'prefix set then cleared', args: ['pfoo', './a', 'p', './b'] },
  { name: 't applies to the next action only', args: ['t', './d1', './d2'] },
  { name: 'selection: - + and f', args: ['-', '+^ERR', './err', 'f', './rest'] },
  { name: 'selection: + on selected lines, - deselects', args: ['+x', '-xy', './d'] },
  { name: 'selection carries over between elements', args: ['-', '+a', '-ab', '+abc', './d', '-b', './e'] },
  { name: 'several elements and f', args: ['-', '+info', './info', '-', '+warn', 't', './warn', 'f', './other'] },
  { name: 'POSIX classes and intervals', args: ['-', '+[[:digit:]]{3}', './num', '-', '+^[[:upper:]]+ ', './upper'] },
  { name: 'absolute logdir path', args: ['/ABS/d'] },
  { name: 'stdout, twice, with a stamp', args: ['1', 't', '1'] },
  { name: 'alerts with the default size', args: ['-', '+ERR|STAT', '2'] },
  { name: 'alerts cut by E, stamps and prefix', args: ['E10', 't', 'T', 'pP', '2', 'E0', '2'] },
  { name: 'status files: padded, cut, unpadded', args: ['-', '+^STAT', '^40', '=st', '^5', '=st5', '^0', '=st0', 't', '=stt'] },
  { name: 'status file with the default size', args: ['=status'] },
  { name: 'control directives are sticky per logdir', args: ['n3', 's5000', 'S100000', 'l100', 'r500', 'E20', '^10', './a', './b'] },
  { name: 'line limit splits long lines', opts: ['-l', '100'], args: ['./d', '1'] },
  { name: 'line limit below 48 means 48', opts: ['-l', '10'], args: ['./d'] },
  { name: 'no line limit', opts: ['-l', '0'], args: ['./d'] },
  { name: 'default line limit 8192', args: ['./d'], input: 'A'.repeat(20000) + '\nshort\n' + 'B'.repeat(8192) + '\n' },
  { name: 'quiet mode still alerts', opts: ['-q'], args: ['2', '+x'] },
  { name: 'trailing selection only warns', args: ['./d', '+x'] },
  { name: 'trailing control directives are ignored', args: ['./d', 'n3', 't'] },
  { name: 'processor settings without rotation', args: ['?cat', './d', '!cat', './e', '!', './f'] },
  { name: 'empty input', args: ['t', './d', '1'], input: '' },
  { name: 'empty lines only', args: ['t', './d', '1'], input: '\n\n\n' },
];

for (const c of CASES) {
  test(`parity: ${c.name}`, () => {
    const root = tmp('hexad-log-parity-');
    try {
      const results = (['s6', 'hexad'] as Kind[]).map((kind) => {
        const dir = join(root, kind);
        const args = [...(c.opts ?? []), ...c.args.map((a) => a.replace('/ABS', join(dir, 'abs')))];
        mkdirSync(join(dir, 'abs'), { recursive: true });
        const r = runLog(kind, args, dir, c.input ?? INPUT);
        const norm = (s: string): string => maskStamps(s).split(dir).join('DIR');
        return { code: r.code, stdout: norm(r.stdout), stderr: norm(r.stderr), files: snapshot(dir) };
      });
      assert.deepEqual(results[1], results[0]);
    } finally {
      rmrf(root);
    }
  });
}
