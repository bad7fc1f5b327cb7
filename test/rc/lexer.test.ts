// The execline lexer, against the reference rules (§1.4) and against Debian's execlineb
// itself as an oracle (random scripts, fixed seed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexExecline, LexError } from '../../src/rc/lexer.js';
import { rmrf, run, script, tmp } from '../helpers.js';

const lex = (s: string): string[] => lexExecline(Buffer.from(s, 'latin1'));
const lexErr = (s: string): string => {
  try {
    lex(s);
  } catch (e) {
    if (e instanceof LexError) return e.kind;
    throw e;
  }
  return 'none';
};

test('lexer: words, newlines as blanks, comments only at word start, shebang dropped', () => {
  assert.deepEqual(lex('echo a\necho b\n'), ['echo', 'a', 'echo', 'b']);
  assert.deepEqual(lex('#!/bin/sh\necho hi\n'), ['echo', 'hi']);
  assert.deepEqual(lex('foo#bar # comment\nbaz'), ['foo#bar', 'baz']);
  assert.deepEqual(lex('$HOME ${X} \'a b\''), ['$HOME', '${X}', "'a", "b'"]);
  assert.deepEqual(lex(''), []);
  assert.deepEqual(lex('a\0b c'), ['a']);
});

test('lexer: quotes and escapes', () => {
  assert.deepEqual(lex('""'), ['']);
  assert.deepEqual(lex('"a b" c'), ['a b', 'c']);
  assert.deepEqual(lex('a\\ b'), ['a b']);
  assert.deepEqual(lex('"\\t\\n\\a" "\\"q\\""'), ['\t\n\x07', '"q"']);
  assert.deepEqual(lex('"\\0x41\\066\\101" "x\\\ny"'), ['A6e', 'xy']);
  assert.deepEqual(lex('b\\\n'), ['b\n']);      // the quirk: backslash-newline inside a word
  assert.deepEqual(lex('\\\na'), ['a']);
  assert.equal(lexErr('"abc'), 'syntax');
  assert.equal(lexErr('"\\0"'), 'syntax');
  assert.equal(lexErr('"\\300"'), 'syntax');
  assert.equal(lexErr('a\\'), 'syntax');
});

test('lexer: blocks', () => {
  assert.deepEqual(lex('foreground { echo hi } echo there'), ['foreground', ' echo', ' hi', '', 'echo', 'there']);
  assert.deepEqual(lex('if { if { a } b } c'), ['if', ' if', '  a', ' ', ' b', '', 'c']);
  assert.deepEqual(lex('"{" x "}"'), ['{', 'x', '}']);
  assert.equal(lexErr('if { a\n'), 'unmatched-open');
  assert.equal(lexErr('a }\n'), 'unmatched-close');
  assert.equal(lexErr('{'), 'syntax');
});

/** xorshift: reproducible random scripts */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

test('lexer: same words and errors as execlineb on random scripts', (t) => {
  const execlineb = '/usr/lib/execline/bin/execlineb';
  if (!existsSync(execlineb)) throw new Error("Debian's execline is not installed: apt-get install execline");
  const dir = tmp('hexad-lexer-');
  t.after(() => rmrf(dir));
  const dump = join(dir, 'dump');
  script(dump, 'for a; do printf \'%s\\0\' "$a"; done\n');
  const alphabet = ['a', ' ', '\n', '\t', '"', '\\', '{', '}', '{ ', ' } ', '#', '0', '1', '7', '5', 'x', 'f', 'n', '\\0x4', '\\12', 'c'];
  const kinds: Record<string, string> = { 'syntax error': 'syntax', 'unmatched {': 'unmatched-open', 'unmatched }': 'unmatched-close' };
  const next = rng(20260521);
  for (let k = 0; k < 250; k++) {
    let text = '';
    const len = 1 + Math.floor(next() * 10);
    for (let j = 0; j < len; j++) text += alphabet[Math.floor(next() * alphabet.length)];
    writeFileSync(join(dir, 's'), `${dump} ${text}`, 'latin1');
    const r = run(execlineb, ['-P', join(dir, 's')], { encoding: 'latin1' } as never);
    let want: unknown;
    if (r.code === 0) {
      const words = r.stdout.split('\0');
      words.pop();
      want = words;
    } else want = kinds[r.stderr.trim().replace('execlineb: fatal: ', '')] ?? r.stderr;
    let got: unknown;
    try {
      got = lex(text).map((w) => Buffer.from(w).toString('latin1'));
    } catch (e) {
      if (!(e instanceof LexError)) throw e;
      got = e.kind;
    }
    assert.deepEqual(got, want, `script ${JSON.stringify(text)}`);
  }
});
