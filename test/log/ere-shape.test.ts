// The selection fast paths (leading/trailing `.*` dropped, literal alternatives as substring
// tests) give the same answer as the plain translation, line by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileEre, ereToRegExp, RegexError } from '../../src/log/regex.js';
import { shape } from '../../src/log/ere-shape.js';

const PATTERNS = [
  '.*DEBUG.*', 'DEBUG', '^.*DEBUG', 'DEBUG.*$', '^DEBUG', 'DEBUG$', '^DEBUG$', '.*', '^.*$', '',
  'error|warn|fatal', '.*(error|warn).*', '^(INFO|DEBUG) ', 'a\\.b', '.*a\\.b.*', '\\[x\\]', 'x.*y',
  '.*[0-9]{3}.*', '^.*\\.php$', '.*\\.*', 'a.**', '(a)\\1', '.*\\bword\\b.*', 'a||b', '^$', '$', '^',
  'GET /health|HEAD /', '.*level=(debug|trace).*', 'caf\u00e9', '.*[[:digit:]]+ms$', 'x*', '.+',
];
const LINES = [
  '', 'DEBUG', 'a DEBUG line', 'DEBUGGING', 'xDEBUG', 'no match here', 'error: x', 'warn', 'fatal!',
  'INFO start', 'DEBUG x', 'a.b', 'axb', '[x]', 'xy', 'x then y', 'took 123ms', 'GET /health 200',
  'HEAD / HTTP/1.1', 'level=debug msg', 'caf\u00e9 au lait', 'index.php', 'word here', 'aa', 'b',
  'a', 'ms', '123ms', '.php',
].map((l) => Buffer.from(l, 'utf8').toString('latin1'));

test('every fast path agrees with the plain translation', () => {
  for (const p of PATTERNS) {
    const fast = compileEre(p);
    const slow = ereToRegExp(p);
    for (const l of LINES) assert.equal(fast.test(l), slow.test(l), `/${p}/ on ${JSON.stringify(l)}`);
  }
});

test('the common shapes become literal tests, the rest a simpler pattern', () => {
  for (const p of ['.*DEBUG.*', '^.*DEBUG', '^DEBUG', 'DEBUG$', '.*a\\.b.*', '^.*x.*$']) {
    assert.ok('matcher' in shape(p), p);
  }
  assert.deepEqual(shape('.*error.*|warn.*|^.*fatal'), { ere: 'error|warn|fatal' });
  assert.deepEqual(shape('.*[0-9]{3}.*'), { ere: '[0-9]{3}' });
  assert.deepEqual(shape('.*(error|warn).*'), { ere: '(error|warn)' });
  assert.deepEqual(shape('(a)\\1'), { ere: '(a)\\1' });
});

test('an invalid pattern is refused even when a fast path would apply to its shape', () => {
  for (const p of ['.*[[:nope:]].*', '(abc', 'a{2,1}', '*x', '.*\\']) assert.throws(() => compileEre(p), RegexError, p);
});
