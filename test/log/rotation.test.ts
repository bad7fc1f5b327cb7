// Rotation by size and by SIGALRM, and archive trimming by count (n) and total size (S),
// compared with Debian's s6-log. Lines are fed one at a time (each echoed on stdout before
// the next is written), so both loggers see the same line boundaries at every write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rmrf, tmp, until } from '../helpers.js';
import { cmdOf, Live, requireS6Log, snapshot, type Kind } from './util.js';

requireS6Log();

function lines(n: number, seed: number): string[] {
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(`line ${i} ` + 'x'.repeat(x % 180));
  }
  return out;
}

const archives = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('@'));

async function both(args: string[], body: (l: Live, dir: string) => Promise<void>): Promise<void> {
  const root = tmp('hexad-log-rot-');
  try {
    const snaps = [];
    for (const kind of ['s6', 'hexad'] as Kind[]) {
      const dir = join(root, kind);
      mkdirSync(dir);
      const l = new Live(kind, args, dir);
      try {
        await body(l, dir);
        assert.equal(await l.end(), 0, l.stderr);
      } finally {
        l.kill();
      }
      // a warning repeated at each retry counts once: how many retries fit is timing
      const warnings = l.stderr.replace(/^(s6-log|hexad log):/gm, 'PROG:').split('\n').filter((w, i, all) => w !== all[i - 1]);
      snaps.push({ files: snapshot(dir), stderr: warnings.join('\n') });
    }
    assert.deepEqual(snaps[1], snaps[0]);
  } finally {
    rmrf(root);
  }
}

const SIZE_CASES: [string, string[], number][] = [
  ['size 4096, default tolerance, stamps', ['s4096', 'n100', 't', './d', '1'], 120],
  ['size 4096, no tolerance', ['s4096', 'l0', 'n100', './d', '1'], 120],
  ['size 5000, tolerance 2500', ['s5000', 'l2500', 'n100', './d', '1'], 120],
  ['count limit n3 trims the oldest', ['n3', 's4096', './d', '1'], 150],
  ['total size limit S5000 trims the oldest', ['S5000', 's4096', './d', '1'], 150],
  ['n0 keeps no archive', ['n0', 's4096', './d', '1'], 80],
  ['two logdirs with their own settings', ['s4096', 'n2', './a', 's6000', 'n5', 'pB', './b', '1'], 150],
];

for (const [name, args, count] of SIZE_CASES) {
  test(`rotation parity: ${name}`, () => both(args, (l) => l.paced(lines(count, count))));
}

// Every SIGALRM is made visible by ./e, which always has a line to rotate, so the test
// knows the signal was handled before it writes again; ./d shows that an empty current is
// not rotated.
test('rotation parity: SIGALRM rotates every non-empty current', () => both(['1', '-', '+^e', './e', '-', '+^d', 't', './d'], async (l, dir) => {
  const d = join(dir, 'd');
  const e = join(dir, 'e');
  await l.paced(['d one', 'd two', 'e one']);
  l.signal('SIGALRM');
  await until('first archives', () => archives(d).length === 1 && archives(e).length === 1);
  await l.paced(['e two']);
  l.signal('SIGALRM');
  await until('second archive of e', () => archives(e).length === 2);
  assert.equal(archives(d).length, 1);
  await l.paced(['d three', 'e three']);
  l.signal('SIGALRM');
  await until('second archive of d', () => archives(d).length === 2 && archives(e).length === 3);
  await l.paced(['d four']);
}));

// s6-log reads 8191 bytes at a time, writes the whole lines it has, then rotates when
// `current` + l >= s: from a regular file (the same reads for both), the archives must be
// the same, byte for byte, at small sizes too (the issue: hexad made 5x more).
const FILE_CASES: string[][] = [
  ['s4096', 'n1000', './d'],
  ['s4096', 'n1000', 't', './d'],
  ['s4096', 'l0', 'n1000', './d'],
  ['s5000', 'l2500', 'n1000', './d'],
  ['s20000', 'n1000', './d'],
  ['s4096', 'n5', './d'],
  ['s4096', 'S20000', './d'],
];
for (const args of FILE_CASES) {
  test(`rotation parity from a file, same archives: ${args.join(' ')}`, () => {
    const root = tmp('hexad-log-rotf-');
    try {
      const input = join(root, 'input');
      writeFileSync(input, lines(6000, 3).join('\n') + '\n');
      const snaps = (['s6', 'hexad'] as Kind[]).map((kind) => {
        const dir = join(root, kind);
        mkdirSync(dir);
        const [cmd, argv] = cmdOf(kind, args);
        const fd = openSync(input, 'r');
        try {
          const r = spawnSync(cmd, argv, { cwd: dir, stdio: [fd, 'pipe', 'pipe'], timeout: 60_000 });
          assert.equal(r.status, 0, r.stderr?.toString());
        } finally {
          closeSync(fd);
        }
        return snapshot(dir);
      });
      assert.ok(snaps[0].filter((f) => f.name.includes('/@')).length >= 2);
      assert.deepEqual(snaps[1], snaps[0]);
    } finally {
      rmrf(root);
    }
  });
}

test('rotation parity: a failing step is retried after r ms, lines wait meanwhile', () => both(['r100', './d', '1'], async (l, dir) => {
  const d = join(dir, 'd');
  await l.paced(['before']);
  mkdirSync(join(d, 'previous', 'blocker'), { recursive: true });
  l.signal('SIGALRM');
  await until('the warning', () => /unable to rename/.test(l.stderr));
  await l.paced(['while blocked']);
  rmSync(join(d, 'previous'), { recursive: true });
  await until('archive after the retry', () => archives(d).length === 1);
  await l.paced(['after']);
}));
