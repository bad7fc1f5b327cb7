// Processors: run at rotation with fd 0 = previous, 1 = processed, 4 = state, 5 = newstate,
// in the logdir; their output is archived as .s and fd 5 becomes the next state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rmrf, tmp, until } from '../helpers.js';
import { Live, requireS6Log, runLog, snapshot, type Kind } from './util.js';

requireS6Log();

const archives = (d: string): string[] => readdirSync(d).filter((n) => n.startsWith('@')).sort();
const read = (p: string): string => readFileSync(p, 'latin1');

for (const [name, proc] of [['/bin/sh (?)', '?tr a-z A-Z'], ['execlineb (!)', '!tr a-z A-Z'], ['reading state on fd 4', '?cat <&4; tr a-z A-Z']]) {
  test(`processor parity: ${name}, rotations by SIGALRM`, async () => {
    const root = tmp('hexad-log-proc-');
    try {
      const snaps = [];
      for (const kind of ['s6', 'hexad'] as Kind[]) {
        const dir = join(root, kind);
        mkdirSync(dir);
        const d = join(dir, 'd');
        const l = new Live(kind, [proc, 't', './d', '1'], dir);
        try {
          for (let round = 1; round <= 3; round++) {
            await l.paced([`round ${round} a`, `round ${round} b`]);
            l.signal('SIGALRM');
            await until(`archive ${round}`, () => archives(d).length === round && !existsSync(join(d, 'previous')));
          }
          await l.paced(['tail']);
          assert.equal(await l.end(), 0);
        } finally {
          l.kill();
        }
        snaps.push({ files: snapshot(dir), stderr: l.stderr });
      }
      assert.deepEqual(snaps[1], snaps[0]);
      const arch = snaps[1].files.filter((f) => f.name.includes('@archive'));
      assert.deepEqual(arch.map((f) => f.content), [1, 2, 3].map((r) => `@TAI ROUND ${r} A\n@TAI ROUND ${r} B\n`));
      assert.ok(arch.every((f) => f.mode === '744'));
    } finally {
      rmrf(root);
    }
  });
}

const COUNTER = '?read n <&4; n=$((${n:-0}+1)); echo $n >&5; sed "s/^/$n /"';

test('processor state goes from fd 5 to the next run on fd 4 (s6 2.11 gives no fd 5)', async () => {
  const root = tmp('hexad-log-proc-');
  try {
    const d = join(root, 'd');
    const l = new Live('hexad', [COUNTER, './d', '1'], root);
    try {
      for (let round = 1; round <= 3; round++) {
        await l.paced([`line ${round}`]);
        l.signal('SIGALRM');
        await until(`archive ${round}`, () => archives(d).length === round && !existsSync(join(d, 'previous')));
        assert.equal(read(join(d, 'state')), `${round}\n`);
      }
      assert.equal(await l.end(), 0);
    } finally {
      l.kill();
    }
    assert.deepEqual(archives(d).map((n) => read(join(d, n))), ['1 line 1\n', '2 line 2\n', '3 line 3\n']);
    assert.equal(l.stderr, '');
    assert.deepEqual(readdirSync(d).filter((n) => !n.startsWith('@')).sort(), ['current', 'lock', 'state']);

    // Under Debian's s6-log the processor has no fd 5 (the 2.11 bug fixed here): the state
    // never advances.
    const s6dir = join(root, 's6');
    mkdirSync(s6dir);
    const s6d = join(s6dir, 'd');
    const s6 = new Live('s6', [COUNTER, './d', '1'], s6dir);
    try {
      for (let round = 1; round <= 2; round++) {
        await s6.paced([`line ${round}`]);
        s6.signal('SIGALRM');
        await until(`s6-log archive ${round}`, () => archives(s6d).length === round && !existsSync(join(s6d, 'previous')));
      }
      assert.equal(await s6.end(), 0);
    } finally {
      s6.kill();
    }
    assert.match(s6.stderr, /5: Bad file descriptor/);
    assert.equal(read(join(s6d, 'state')), '');
    assert.deepEqual(archives(s6d).map((n) => read(join(s6d, n))), ['1 line 1\n', '1 line 2\n']);
  } finally {
    rmrf(root);
  }
});

test('lines keep going to the new current while a processor runs', async () => {
  const root = tmp('hexad-log-proc-');
  try {
    const d = join(root, 'd');
    const go = join(root, 'go');
    const l = new Live('hexad', ['-b', `?while [ ! -e ../go ]; do sleep 0.01; done; cat`, './d', '1'], root);
    try {
      await l.paced(['first']);
      l.signal('SIGALRM');
      await until('processor started', () => existsSync(join(d, 'processed')));
      await l.paced(['during 1', 'during 2']); // -b: not held back by the processor
      await until('written', () => read(join(d, 'current')) === 'during 1\nduring 2\n');
      assert.equal(read(join(d, 'previous')), 'first\n');
      writeFileSync(go, '');
      await until('archive', () => archives(d).length === 1 && !existsSync(join(d, 'previous')));
      assert.equal(read(join(d, archives(d)[0])), 'first\n');
      assert.equal(await l.end(), 0);
    } finally {
      l.kill();
    }
    assert.equal(read(join(d, 'current')), 'during 1\nduring 2\n');
  } finally {
    rmrf(root);
  }
});

test('a failing processor is retried after r ms; on exit previous is kept and recovered as .u next time', async () => {
  const root = tmp('hexad-log-proc-');
  try {
    const d = join(root, 'd');
    const l = new Live('hexad', ['r50', '?cat >/dev/null; exit 3', './d', '1'], root);
    try {
      await l.paced(['rotated']);
      l.signal('SIGALRM');
      await until('two failures', () => (l.stderr.match(/processor failed in \.\/d/g) ?? []).length >= 2);
      await l.paced(['after']);
      l.signal('SIGTERM');
      assert.equal(await l.wait(), 0);
    } finally {
      l.kill();
    }
    assert.match(l.stderr, /^hexad log: warning: processor failed in \.\/d$/m);
    assert.equal(read(join(d, 'previous')), 'rotated\n');
    assert.equal(read(join(d, 'current')), 'after\n');
    const r = runLog('hexad', ['./d'], root, 'next\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(archives(d).map((n) => [n.slice(25), read(join(d, n))]), [['.u', 'rotated\n'], ['.u', 'after\n']]);
    assert.equal(read(join(d, 'current')), 'next\n');
  } finally {
    rmrf(root);
  }
});

test('a processor killed by a signal is reported as crashed and retried', async () => {
  const root = tmp('hexad-log-proc-');
  try {
    const d = join(root, 'd');
    const mark = join(root, 'crashed-once');
    const l = new Live('hexad', ['r50', `?if [ -e ../crashed-once ]; then cat; else touch ../crashed-once; kill -KILL $$; fi`, './d', '1'], root);
    try {
      await l.paced(['x']);
      l.signal('SIGALRM');
      await until('archive after the retry', () => archives(d).length === 1);
      assert.equal(await l.end(), 0);
    } finally {
      l.kill();
    }
    assert.ok(existsSync(mark));
    assert.match(l.stderr, /^hexad log: warning: processor crashed in \.\/d$/m);
    assert.equal(read(join(d, archives(d)[0])), 'x\n');
  } finally {
    rmrf(root);
  }
});
