// Start-up recovery of a logdir left by a crash, the logdir lock, and what a killed logger
// leaves behind, compared with Debian's s6-log where its 2.11 behaviour is the intent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rmrf, tmp, until } from '../helpers.js';
import { Live, requireS6Log, runLog, snapshot, type Kind } from './util.js';

requireS6Log();

type Files = Record<string, [content: string, mode: number]>;

function prepare(dir: string, files: Files): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, [content, mode]] of Object.entries(files)) {
    writeFileSync(join(dir, name), content);
    chmodSync(join(dir, name), mode);
  }
}

const CASES: [string, Files, string[]][] = [
  ['current without u+x (crashed) is archived as .u', { current: ['old 1\nold 2\n', 0o644], state: ['st\n', 0o644] }, ['./d']],
  ['current with u+x (clean) is appended to, state kept', { current: ['old\n', 0o744], state: ['kept\n', 0o644] }, ['./d']],
  ['clean current over s is rotated before the first line', { current: ['x'.repeat(5000) + '\n', 0o744] }, ['s4096', './d']],
  ['processed with u+x: archived .s, previous dropped, current .u', {
    current: ['cur\n', 0o644], previous: ['prev\n', 0o744], processed: ['PROC\n', 0o744], state: ['s\n', 0o644], newstate: ['ns\n', 0o644],
  }, ['./d']],
  ['previous alone is archived as .u', { previous: ['prev\n', 0o744], processed: ['half\n', 0o644] }, ['./d']],
  ['previous and processed leftovers with a clean current stay', { current: ['c\n', 0o744], previous: ['p\n', 0o744] }, ['./d']],
];

for (const [name, files, args] of CASES) {
  test(`recovery parity: ${name}`, () => {
    const root = tmp('hexad-log-rec-');
    try {
      const snaps = (['s6', 'hexad'] as Kind[]).map((kind) => {
        const dir = join(root, kind);
        prepare(join(dir, 'd'), files);
        const r = runLog(kind, args, dir, 'new line\n');
        assert.equal(r.code, 0, r.stderr);
        return snapshot(dir);
      });
      assert.deepEqual(snaps[1], snaps[0]);
    } finally {
      rmrf(root);
    }
  });
}

const archivesOf = (d: string): string[] => readdirSync(d).filter((n) => n.startsWith('@')).sort();

test('recovery: previous and current both left are archived as two .u files (s6 2.11 dies on this)', () => {
  const root = tmp('hexad-log-rec-');
  try {
    const files: Files = { current: ['cur\n', 0o644], previous: ['prev\n', 0o744], processed: ['half\n', 0o644], newstate: ['x', 0o644] };
    prepare(join(root, 's6'), files);
    const s6 = runLog('s6', ['./s6'], root, 'new\n');
    assert.equal(s6.code, 111); // "unable to finish current .u …: File exists": both got the same name
    const d = join(root, 'd');
    prepare(d, files);
    const r = runLog('hexad', ['./d'], root, 'new\n');
    assert.equal(r.code, 0, r.stderr);
    const arch = archivesOf(d);
    assert.deepEqual(arch.map((n) => n.slice(25)), ['.u', '.u']);
    assert.deepEqual(arch.map((n) => readFileSync(join(d, n), 'latin1')), ['prev\n', 'cur\n']);
    assert.equal(readFileSync(join(d, 'current'), 'latin1'), 'new\n');
    assert.deepEqual(readdirSync(d).filter((n) => !n.startsWith('@')).sort(), ['current', 'lock', 'state']);
  } finally {
    rmrf(root);
  }
});

test('recovery: an empty crashed current is dropped, not archived (as s6 2.12+)', () => {
  const root = tmp('hexad-log-rec-');
  try {
    const d = join(root, 'd');
    prepare(d, { current: ['', 0o644] });
    const r = runLog('hexad', ['./d'], root, 'new\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(archivesOf(d), []);
    assert.equal(readFileSync(join(d, 'current'), 'latin1'), 'new\n');
  } finally {
    rmrf(root);
  }
});

test('a logger killed with SIGKILL leaves current unfinished; the next one, s6-log or hexad, archives it as .u', async () => {
  const root = tmp('hexad-log-kill-');
  try {
    const d = join(root, 'd');
    for (const [first, second] of [['hexad', 's6'], ['s6', 'hexad']] as [Kind, Kind][]) {
      rmrf(d);
      const l = new Live(first, ['./d', '1'], root);
      await l.paced(['before kill 1', 'before kill 2']);
      await until('lines in current', () => readFileSync(join(d, 'current'), 'latin1').length === 28);
      assert.equal(statSync(join(d, 'current')).mode & 0o777, 0o644, 'current is not marked clean while in use');
      l.kill();
      await l.wait();
      const r = runLog(second, ['t', './d'], root, 'after restart\n');
      assert.equal(r.code, 0, r.stderr);
      const arch = archivesOf(d);
      assert.equal(arch.length, 1);
      assert.ok(arch[0].endsWith('.u'));
      assert.equal(readFileSync(join(d, arch[0]), 'latin1'), 'before kill 1\nbefore kill 2\n');
      assert.match(readFileSync(join(d, 'current'), 'latin1'), /^@[0-9a-f]{24} after restart\n$/);
      assert.equal(statSync(join(d, 'current')).mode & 0o777, 0o744, 'cleanly closed');
    }
  } finally {
    rmrf(root);
  }
});

test('lock: a second logger on the same logdir exits 111, whichever of s6-log and hexad holds it', async () => {
  const root = tmp('hexad-log-lock-');
  try {
    for (const [holder, second] of [['hexad', 'hexad'], ['hexad', 's6'], ['s6', 'hexad']] as [Kind, Kind][]) {
      const l = new Live(holder, ['./d', '1'], root);
      try {
        await l.paced(['held']);
        const r = runLog(second, ['./d'], root, 'x\n');
        assert.equal(r.code, 111, `${second} while ${holder} holds the lock`);
        assert.equal(r.stderr, `PROG: fatal: unable to lock ./d/lock: Device or resource busy\n`);
      } finally {
        l.kill();
        await l.wait();
      }
    }
  } finally {
    rmrf(root);
  }
});

test('logdir errors at start-up: exit 111 with one line', () => {
  const root = tmp('hexad-log-bad-');
  try {
    writeFileSync(join(root, 'file'), '');
    for (const args of [['./file/d'], ['./missing/d']]) {
      const s6 = runLog('s6', args, root, '');
      const ours = runLog('hexad', args, root, '');
      assert.equal(ours.code, 111);
      assert.deepEqual(ours, s6);
    }
  } finally {
    rmrf(root);
  }
});

test('every started line is written: what was read before SIGTERM is in current, cleanly closed', async () => {
  const root = tmp('hexad-log-term-');
  try {
    const l = new Live('hexad', ['./d', '1'], root);
    await l.paced(['one', 'two']);
    l.signal('SIGTERM');
    assert.equal(await l.wait(), 0);
    await until('closed', () => (statSync(join(root, 'd', 'current')).mode & 0o100) !== 0);
    assert.equal(readFileSync(join(root, 'd', 'current'), 'latin1'), 'one\ntwo\n');
  } finally {
    rmrf(root);
  }
});
