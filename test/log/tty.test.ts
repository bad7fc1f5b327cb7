// Standard output on a terminal: `hexad log`'s `1` and `2` actions and `hexad tai64nlocal`
// work under a pseudo-terminal (`script -qec`), as Debian's tools do (they used to die with
// "Unsupported fd type: TTY").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEXAD, rmrf, tmp } from '../helpers.js';

const SCRIPT = '/usr/bin/script';
const hexad = `'${process.execPath}' '${HEXAD}'`;

function underPty(cmd: string, cwd: string): string {
  if (!existsSync(SCRIPT)) throw new Error('script(1) is missing: apt-get install bsdutils');
  const r = spawnSync(SCRIPT, ['-qec', `${cmd}; echo "rc=$?"`, '/dev/null'], { cwd, timeout: 30_000, input: '' });
  return r.stdout.toString('latin1').replace(/\r\n/g, '\n');
}

test('log 1 with a stamp, stdout on a terminal', () => {
  const dir = tmp('hexad-tty-');
  try {
    const out = underPty(`echo x | ${hexad} log t 1`, dir);
    assert.match(out, /^@[0-9a-f]{24} x\nrc=0\n$/);
  } finally {
    rmrf(dir);
  }
});

test('log 2 and 1, stdout and stderr on a terminal', () => {
  const dir = tmp('hexad-tty-');
  try {
    const out = underPty(`printf 'a\\nb\\n' | ${hexad} log 2 1`, dir);
    assert.ok(out.includes('a\nb\n'), out);
    assert.ok(out.includes('hexad log: alert: a\n') && out.includes('hexad log: alert: b\n'), out);
    assert.match(out, /rc=0\n$/);
  } finally {
    rmrf(dir);
  }
});

test('tai64nlocal < file, stdout on a terminal', () => {
  const dir = tmp('hexad-tty-');
  try {
    writeFileSync(join(dir, 'f'), '@400000006b01ecd116f05f18 hello\nplain\n');
    const out = underPty(`TZ=UTC ${hexad} tai64nlocal < f`, dir);
    assert.equal(out, '2026-11-21 19:10:36.384851736 hello\nplain\nrc=0\n');
  } finally {
    rmrf(dir);
  }
});

test('log reads its standard input from a terminal', () => {
  const dir = tmp('hexad-tty-');
  try {
    // stdin and stdout are the terminal; the line typed is echoed by the terminal and
    // written by `1`, then SIGTERM (no half-read line) stops the logger
    const out = underPty(`(${hexad} log 1 < /dev/tty & p=$!; sleep 2; kill -TERM $p 2>/dev/null; wait $p)`, dir);
    assert.match(out, /rc=0\n$/);
    assert.doesNotMatch(out, /Unsupported fd type/);
  } finally {
    rmrf(dir);
  }
});
