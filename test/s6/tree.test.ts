import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../../src/native/index.js';
import { hiercopy, rmrf } from '../../src/s6/tree.js';
import { rmrf as rm, tmp } from '../helpers.js';

const root = tmp('hexad-tree-');
after(() => rm(root));

test('hiercopy keeps modes (set-id bits too), symlinks, FIFOs; merges into a directory; rmrf removes', () => {
  const src = join(root, 'src');
  mkdirSync(join(src, 'data', 'deep'), { recursive: true });
  writeFileSync(join(src, 'run'), '#!/bin/sh\n');
  chmodSync(join(src, 'run'), 0o4755);
  writeFileSync(join(src, 'data', 'deep', 'f'), 'x');
  chmodSync(join(src, 'data', 'deep'), 0o750);
  symlinkSync('data/deep/f', join(src, 'link'));
  mkfifo(join(src, 'fifo'), 0o640);
  const dst = join(root, 'dst');
  mkdirSync(dst);
  writeFileSync(join(dst, 'kept'), 'y');
  hiercopy(src, dst);
  assert.equal(statSync(join(dst, 'run')).mode & 0o7777, 0o4755);
  assert.equal(statSync(join(dst, 'data', 'deep')).mode & 0o7777, 0o750);
  assert.equal(readFileSync(join(dst, 'data', 'deep', 'f'), 'utf8'), 'x');
  assert.equal(readlinkSync(join(dst, 'link')), 'data/deep/f');
  assert.ok(lstatSync(join(dst, 'fifo')).isFIFO());
  assert.equal(statSync(join(dst, 'fifo')).mode & 0o777, 0o640);
  assert.ok(existsSync(join(dst, 'kept')), 'merged into the existing directory');
  // a top-level link: copied as a link, or followed with followTop
  symlinkSync(src, join(root, 'via-link'));
  hiercopy(join(root, 'via-link'), join(root, 'as-link'));
  assert.ok(lstatSync(join(root, 'as-link')).isSymbolicLink());
  hiercopy(join(root, 'via-link'), join(root, 'followed'), { followTop: true });
  assert.ok(lstatSync(join(root, 'followed')).isDirectory());
  rmrf(dst);
  rmrf(dst);
  assert.ok(!existsSync(dst));
});
