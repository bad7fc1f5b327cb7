// Selections use POSIX extended regular expressions as glibc compiles them for s6-log. Each
// pattern below is checked against Debian's s6-log: the same lines selected, or the same
// refusal. One hexad run then checks the whole set end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { compileEre } from '../../src/log/regex.js';
import { rmrf, tmp } from '../helpers.js';
import { requireS6Log, runLog, S6_LOG } from './util.js';

requireS6Log();

const PATTERNS = [
  'a', '^a', 'a$', '^$', 'a.c', 'a*', 'ab+c', 'ab?c', 'a{2}', 'a{2,}', 'a{,2}b', 'a{1,3}b', '(ab)+', 'a|b', '(a|)b',
  '[abc]', '[^abc]', '[]a]', '[^]a]', '[a-c]', '[a-]', '[-a]', '[%--]', '[--/]', '[a-cx-z]', '[a-c-]',
  '[[:digit:]]+', '[[:alpha:]]', '[[:space:]]', '[[:punct:]]', '[[:upper:][:digit:]]', '[[:alpha:]-]', '[[.a.]-c]', '[[=a=]]', '[[.-.]a]',
  '[\\\\]', '\\.', '\\n', '\\d', '\\t', '[\\t]', '\\w+', '\\W', '\\s', '\\S', '\\bfoo\\b', '\\<foo', 'foo\\>', '\\`a', "a\\'", '\\/', '\\(', 'a\\{1\\}',
  '(a)\\1', 'x**', 'x+*', 'a{2}{3}', 'a+?', 'a??', '(a*)*', '(a*)+$', '()', 'a||b', '|a', 'a{0}', 'a{,}', 'a{01}',
  'é', '[é]', '.', 'x{300}', '$a', 'a^', '(^a)', 'a$b', 'x$|^y', '[a-z0-9._%+-]+@', '(foo|bar)baz?', '[:alpha:]', 'ERR', '^STAT ',
];

const REFUSED = [
  '*a', 'a|*b', '(*a)', 'a{', 'a{x}', '{1}', '[a', 'a)(', '(a', '\\', '[[:foo:]]', '[z-a]', 'a{3,2}', '(a)\\2', '\\1', '^*a', '^(',
  '[[:alpha:]-z]', '[a-c-e]', '[[=a=]-c]', '[a-[=z=]]', '[[.ab.]]', '[[:alpha:]', '[[.a]', 'a{1', 'a{1,2', 'a{ 1}',
];

const LINES = [
  'a', 'b', 'abc', 'aabc', 'ac', 'abbc', 'aaab', 'xx', '', 'foo bar', 'foobar', 'xfoo', 'aa', 'ab', '123', ' ', '\t', '.', '\\', ']', '-', 'n', 'd',
  'dé', 'é', 'STAT ok', 'ERR x', 'x'.repeat(1000), 'a{1}', '(', 'abab', 'z', 'user@host', 'barbaz', 'a b', 'w', 't', ':', 'ba', 'x*', "a'", 'A', 'Z9', 'é\xa0',
].map((l) => Buffer.from(l, 'utf8').toString('latin1'));
const INPUT = Buffer.from(LINES.join('\n') + '\n', 'latin1');

function s6Selects(pattern: string): string | null {
  const r = spawnSync(S6_LOG, ['-l', '0', '-', '+' + pattern, '1'], { input: INPUT });
  if (r.status !== 0) return null;
  return r.stdout.toString('latin1');
}

test('regex: each pattern selects the lines s6-log selects', () => {
  for (const p of PATTERNS) {
    const re = compileEre(p);
    const ours = LINES.filter((l) => re.test(l)).map((l) => l + '\n').join('');
    assert.equal(ours, s6Selects(p), `pattern ${JSON.stringify(p)}`);
  }
});

test('regex: intervals up to RE_DUP_MAX (32767)', () => {
  assert.ok(compileEre('x{32767}').test('x'.repeat(32767)));
  assert.throws(() => compileEre('x{32768}'));
});

test('regex: patterns glibc refuses are refused', () => {
  for (const p of REFUSED) {
    assert.equal(s6Selects(p), null, `s6-log refuses ${JSON.stringify(p)}`);
    assert.throws(() => compileEre(p), Error, `pattern ${JSON.stringify(p)}`);
  }
});

test('regex: all patterns in one hexad log script, as s6-log runs it', () => {
  const dir = tmp('hexad-log-re-');
  try {
    const args = ['-l', '0'];
    PATTERNS.forEach((p, i) => args.push('-', '+' + p, `p${i}`, '1'));
    const s6 = runLog('s6', args, dir, INPUT);
    const ours = runLog('hexad', args, dir, INPUT);
    assert.equal(s6.code, 0);
    assert.deepEqual(ours, s6);
  } finally {
    rmrf(dir);
  }
});
