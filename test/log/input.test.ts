// Reading stdin: the last line at EOF, SIGTERM/SIGHUP/-p/-t, a pipe shared by successive
// loggers (as svscan holds it), -b backpressure, readiness (-d), and a closed stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, writeSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../../src/native/index.js';
import { rmrf, tmp, until } from '../helpers.js';
import { cmdOf, Live, requireS6Log, runLog, type Kind } from './util.js';

requireS6Log();

const read = (p: string): string => readFileSync(p, 'latin1');

test('EOF: a last line without newline is kept (s6-log 2.11 drops it)', () => {
  const dir = tmp('hexad-log-in-');
  try {
    const input = 'abc\ndef';
    assert.equal(runLog('hexad', ['./d', '1'], dir, input).stdout, 'abc\ndef\n');
    assert.equal(read(join(dir, 'd', 'current')), 'abc\ndef\n');
    assert.equal(runLog('s6', ['1'], dir, input).stdout, 'abc\n');
    // stdin from a regular file reads the same way
    const f = join(dir, 'input');
    const fd = openSync(f, 'w+');
    writeSync(fd, 'one\ntwo\0three');
    closeSync(fd);
    assert.equal(hexadWithStdinFile(['1'], f, dir), 'one\ntwo\nthree\n');
  } finally {
    rmrf(dir);
  }
});

function hexadWithStdinFile(args: string[], file: string, cwd: string): string {
  const fd = openSync(file, 'r');
  try {
    const [cmd, argv] = cmdOf('hexad', args);
    const r = spawnSync(cmd, argv, { cwd, stdio: [fd, 'pipe', 'pipe'] });
    assert.equal(r.status, 0, String(r.stderr));
    return r.stdout.toString('latin1');
  } finally {
    closeSync(fd);
  }
}

process.env.HEXAD_LOG_TEST_TRACE = '1';
const untraced = (s: string): string => s.replace(/^hexad log: test: .*\n/gm, '');

/** Resolves once hexad log has switched to reading its last line byte by byte (it then
 * reads through a duplicate of its stdin). */
async function lastLineMode(l: Live): Promise<void> {
  const fds = `/proc/${l.child.pid}/fd`;
  const stdin = readlinkSync(`${fds}/0`);
  // through the spool (a pipe or FIFO with a logdir), the logger says so (HEXAD_LOG_TEST_TRACE)
  await until('byte-by-byte reading', () => l.stderr.includes('reading the last line byte by byte') || readdirSync(fds).some((f) => {
    try {
      return f !== '0' && readlinkSync(`${fds}/${f}`) === stdin;
    } catch {
      return false;
    }
  }));
}

/** A FIFO opened read-write by the test, as svscan holds a logger pipe: loggers come and go
 * on it, and it never reaches EOF. */
function heldPipe(dir: string): number {
  const p = join(dir, 'fifo');
  mkfifo(p, 0o600);
  return openSync(p, C.O_RDWR);
}

for (const kind of ['hexad', 's6'] as Kind[]) {
  test(`successive loggers on one held pipe lose and duplicate nothing (${kind})`, async () => {
    const dir = tmp('hexad-log-held-');
    const fd = heldPipe(dir);
    try {
      const start = (): Live => new Live(kind, ['./d', '1'], dir, [fd, 'pipe', 'pipe']);
      // SIGTERM with no partial line: stop at once, leave the rest in the pipe
      let l = start();
      writeSync(fd, 'one\n');
      await l.stdoutLinesAtLeast(1);
      l.signal('SIGTERM');
      assert.equal(await l.wait(), 0);
      if (kind === 'hexad') {
        // SIGTERM with a partial line: read on to its end only
        writeSync(fd, 'two\nthree\npar');
        l = start();
        await l.stdoutLinesAtLeast(2);
        l.signal('SIGTERM');
        await lastLineMode(l);
        writeSync(fd, 'tial\nfour\n');
        assert.equal(await l.wait(), 0);
        assert.equal(l.stdout, 'two\nthree\npartial\n');
      } else writeSync(fd, 'two\nthree\npartial\nfour\n');
      // the next logger gets what the previous one left
      l = start();
      await l.stdoutLinesAtLeast(kind === 'hexad' ? 1 : 4);
      l.signal('SIGHUP');
      assert.equal(await l.wait(), 0);
      assert.equal(l.stdout, kind === 'hexad' ? 'four\n' : 'two\nthree\npartial\nfour\n');
      assert.equal(read(join(dir, 'd', 'current')), 'one\ntwo\nthree\npartial\nfour\n');
      assert.equal(statSync(join(dir, 'd', 'current')).mode & 0o777, 0o744);
    } finally {
      closeSync(fd);
      rmrf(dir);
    }
  });
}

test('after SIGTERM, -t bounds the wait for the rest of a partial line; NUL ends it', async () => {
  const dir = tmp('hexad-log-t-');
  const fd = heldPipe(dir);
  try {
    let l = new Live('hexad', ['-t', '100', './d', '1'], dir, [fd, 'pipe', 'pipe']);
    writeSync(fd, 'whole\nhalf');
    await l.stdoutLinesAtLeast(1);
    l.signal('SIGTERM');
    assert.equal(await l.wait(), 0); // nothing more comes: -t expires
    assert.equal(l.stdout, 'whole\nhalf\n');
    l = new Live('hexad', ['./d', '1'], dir, [fd, 'pipe', 'pipe']);
    writeSync(fd, 'x\nab');
    await l.stdoutLinesAtLeast(1);
    l.signal('SIGTERM');
    await lastLineMode(l);
    writeSync(fd, 'c\0rest\n');
    assert.equal(await l.wait(), 0);
    assert.equal(l.stdout, 'x\nabc\n');
    l = new Live('hexad', ['-l', '48', './d', '1'], dir, [fd, 'pipe', 'pipe']);
    writeSync(fd, 'y\n' + 'L'.repeat(40));
    await l.stdoutLinesAtLeast(2); // "rest" and "y"
    l.signal('SIGTERM');
    await lastLineMode(l);
    writeSync(fd, 'M'.repeat(20));
    assert.equal(await l.wait(), 0);
    assert.equal(l.stdout, 'rest\ny\n' + 'L'.repeat(40) + 'M'.repeat(8) + '\n');
    assert.match(untraced(l.stderr), /^hexad log: warning: input line too long, stopping before the end\n$/);
  } finally {
    closeSync(fd);
    rmrf(dir);
  }
});

test('-p: SIGTERM is ignored, SIGHUP stops', async () => {
  const dir = tmp('hexad-log-p-');
  try {
    const l = new Live('hexad', ['-p', './d', '1'], dir);
    try {
      await l.paced(['a']);
      l.signal('SIGTERM');
      await l.paced(['b']);
      assert.equal(l.running, true);
      l.signal('SIGHUP');
      assert.equal(await l.wait(), 0);
    } finally {
      l.kill();
    }
    assert.equal(read(join(dir, 'd', 'current')), 'a\nb\n');
  } finally {
    rmrf(dir);
  }
});

/** Bytes in a logdir's current and archives. */
function logged(d: string): number {
  let n = 0;
  try {
    for (const f of readdirSync(d)) if (f === 'current' || f.startsWith('@')) n += statSync(join(d, f)).size;
  } catch { /* not there yet */ }
  return n;
}

/** Waits until `f()` has not changed for `quiet` ms (a bounded wait for something to stop). */
async function settled(what: string, f: () => number, quiet = 300): Promise<number> {
  let last = f();
  let since = Date.now();
  await until(what, () => {
    const v = f();
    if (v !== last) {
      last = v;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= quiet;
  });
  return last;
}

for (const block of [true, false]) {
  test(`${block ? '-b stops reading while stdout is not drained' : 'without -b, stdin is read on'}`, async () => {
    const dir = tmp('hexad-log-b-');
    try {
      const args = [...(block ? ['-b'] : []), 'n1000', './d', '1'];
      const l = new Live('hexad', args, dir);
      try {
        l.child.stdout!.pause();
        const line = 'y'.repeat(99) + '\n';
        const total = 40_000;
        l.write(line.repeat(total));
        const size = (): number => logged(join(dir, 'd'));
        if (block) {
          const got = await settled('reading to stop', size);
          assert.ok(got < total * 100 / 2, `only what fits in the pipes was read (${got} bytes)`);
          assert.ok(l.child.stdin!.writableLength > 0);
        } else {
          await until('all read', () => size() === total * 100);
        }
        l.child.stdout!.resume();
        await l.stdoutLinesAtLeast(total);
        assert.equal(await l.end(), 0);
      } finally {
        l.kill();
      }
      assert.equal(l.stdout, ('y'.repeat(99) + '\n').repeat(40_000));
      assert.equal(logged(join(dir, 'd')), 40_000 * 100);
    } finally {
      rmrf(dir);
    }
  });
}

test('-d: a newline on the notification fd once the logdirs are set up', async () => {
  const dir = tmp('hexad-log-d-');
  try {
    const [cmd, argv] = cmdOf('hexad', ['-d', '3', './d']);
    const child = spawn(cmd, argv, { cwd: dir, stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    let note = '';
    const ready = new Promise<void>((resolve) => {
      child.stdio[3]!.on('data', (d: Buffer) => { note += d.toString(); });
      child.stdio[3]!.on('end', resolve);
    });
    await ready; // the fd is closed after the newline
    assert.equal(note, '\n');
    assert.ok(statSync(join(dir, 'd', 'lock')).isFile());
    child.stdin!.end('x\n');
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0);
  } finally {
    rmrf(dir);
  }
});

for (const kind of ['s6', 'hexad'] as Kind[]) {
  test(`a closed stdout: one warning, 1 actions dropped, logdirs go on (${kind})`, async () => {
    const dir = tmp('hexad-log-epipe-');
    try {
      const l = new Live(kind, ['./d', '1'], dir);
      try {
        l.child.stdout!.destroy();
        l.write('a\n');
        await until('a logged', () => { try { return read(join(dir, 'd', 'current')) === 'a\n'; } catch { return false; } });
        l.write('b\n');
        await until('b logged', () => read(join(dir, 'd', 'current')) === 'a\nb\n');
        assert.equal(await l.end(), 0);
      } finally {
        l.kill();
      }
      assert.equal(untraced(l.stderr).replace(/^(s6-log|hexad log):/, 'PROG:'), 'PROG: warning: unable to write to stdout, closing the stream - error was: Broken pipe\n');
    } finally {
      rmrf(dir);
    }
  });
}
