// A logger restarted again and again on a pipe held open elsewhere (as svscan holds it)
// while a producer keeps writing: every line ends up logged exactly once, in order, across
// rotations and restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../../src/native/index.js';
import { rmrf, tmp, until } from '../helpers.js';
import { Live } from './util.js';

/** The readiness newline on fd 3 (-d 3): the logger's signal handlers are set. */
function ready(l: Live): Promise<void> {
  return new Promise((resolve) => l.child.stdio[3]!.once('data', () => resolve()));
}

function logged(d: string): string {
  let names: string[];
  try {
    names = readdirSync(d);
  } catch {
    return '';
  }
  const files = names.filter((n) => n.startsWith('@')).sort();
  if (names.includes('current')) files.push('current');
  return files.map((f) => readFileSync(join(d, f), 'latin1')).join('');
}

test('restarted 12 times under load, with rotations: all lines once, in order', async () => {
  const dir = tmp('hexad-log-restart-');
  const fifo = join(dir, 'fifo');
  mkfifo(fifo, 0o600);
  const held = openSync(fifo, C.O_RDWR);
  const wfd = openSync(fifo, C.O_WRONLY | C.O_NONBLOCK);
  const total = 30_000;
  const all = Array.from({ length: total }, (_, i) => `line ${i} ${'z'.repeat(i % 50)}\n`).join('');
  const data = Buffer.from(all, 'latin1');
  let off = 0;
  let producing = true;
  // the producer: non-blocking writes of whatever the pipe takes, while loggers come and go
  const produce = (): void => {
    if (!producing) return;
    while (off < data.length) {
      try {
        off += writeSync(wfd, data, off, Math.min(4096, data.length - off));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        break;
      }
    }
    if (off < data.length) setTimeout(produce, 2);
  };
  const d = join(dir, 'd');
  const size = (): number => {
    try {
      return readdirSync(d).filter((n) => n === 'current' || n.startsWith('@')).reduce((a, n) => a + statSync(join(d, n)).size, 0);
    } catch {
      return 0;
    }
  };
  try {
    produce();
    for (let i = 0; i < 12; i++) {
      const before = size();
      const l = new Live('hexad', ['-d', '3', 's4096', 'n10000', './d'], dir, [held, 'ignore', 'pipe', 'pipe']);
      try {
        await ready(l);
        await until('progress', () => size() > before || off === data.length);
        l.signal(i % 2 ? 'SIGHUP' : 'SIGTERM');
        assert.equal(await l.wait(), 0, l.stderr);
      } finally {
        l.kill();
      }
    }
    const last = new Live('hexad', ['-d', '3', 's4096', 'n10000', './d'], dir, [held, 'ignore', 'pipe', 'pipe']);
    try {
      await ready(last);
      await until('every line', () => size() === data.length);
      last.signal('SIGTERM');
      assert.equal(await last.wait(), 0, last.stderr);
    } finally {
      last.kill();
    }
    const got = logged(d);
    assert.equal(got.length, all.length);
    assert.ok(got === all, 'every line once, in order');
    assert.ok(readdirSync(d).filter((n) => n.startsWith('@')).every((n) => n.endsWith('.s')), 'no crash archives');
  } finally {
    producing = false;
    closeSync(wfd);
    closeSync(held);
    rmrf(dir);
  }
});
