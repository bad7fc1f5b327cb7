// POSIX extended regular expressions as s6-log compiles them (glibc regcomp with
// REG_EXTENDED|REG_NOSUB|REG_NEWLINE, in the C locale), translated to JavaScript RegExp.
// Lines and patterns are handled as latin1 strings, so that one character is one byte, as
// regexec sees them in the C locale. Only "does it match" matters (REG_NOSUB).

import { setFlagsFromString } from 'node:v8';
import { shape, type Matcher } from './ere-shape.js';

export type { Matcher };

export class RegexError extends Error {}

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  blank: '\\t ',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
};

const RE_DUP_MAX = 0x7fff;

const hx = (c: number): string => '\\x' + c.toString(16).padStart(2, '0');

/** The plain translation, without the shape fast paths (what they must agree with). */
export function ereToRegExp(pattern: string): RegExp {
  return new RegExp(translate(Buffer.from(pattern, 'utf8').toString('latin1')), 's');
}

let fallbackSet = false;

/** Compiles an ERE (given as the argument's text) to a test over latin1 strings: a literal
 * test when the pattern's shape allows (see ere-shape.ts), else a RegExp. Errors are checked
 * on the whole pattern either way. */
export function compileEre(pattern: string): Matcher {
  const src = Buffer.from(pattern, 'utf8').toString('latin1');
  translate(src); // s6-log refuses what regcomp refuses, whatever the fast path
  const s = shape(src);
  if ('matcher' in s) return s.matcher;
  if (!fallbackSet) {
    // what is left may still backtrack: V8 then finishes the match with its linear-time
    // engine instead of backtracking without bound
    fallbackSet = true;
    setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  }
  return new RegExp(translate(s.ere), 's');
}

/** The latin1 string regexec sees for bytes [start, end) of a line (lines never hold NUL:
 * s6-log ends a line at NUL as at newline). */
export function lineString(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

function translate(p: string): string {
  let out = '';
  let i = 0;
  let groupsOpened = 0;
  // Where the last atom starts in `out`, and whether it already carries a quantifier;
  // -1 when a quantifier here is invalid (start, after `(`, `|` or an anchor).
  let atomStart = -1;
  let quantified = false;
  const depth: number[] = [];
  const quantify = (q: string): void => {
    if (atomStart < 0) throw new RegexError('invalid preceding regular expression');
    if (quantified) out = out.slice(0, atomStart) + '(?:' + out.slice(atomStart) + ')';
    out += q;
    quantified = true;
  };
  const atom = (text: string): void => {
    atomStart = out.length;
    quantified = false;
    out += text;
  };
  while (i < p.length) {
    const c = p[i];
    switch (c) {
      case '\\': {
        if (i + 1 >= p.length) throw new RegexError('trailing backslash');
        const n = p[i + 1];
        i += 2;
        if (n >= '1' && n <= '9') {
          if (Number(n) > groupsOpened) throw new RegexError('invalid back reference');
          atom('\\' + n);
        } else if ('wWbB'.includes(n)) {
          if (n === 'b' || n === 'B') {
            out += '\\' + n;
            atomStart = -1;
          } else atom('\\' + n);
        } else if (n === 's') atom('[\\t\\n\\v\\f\\r ]');
        else if (n === 'S') atom('[^\\t\\n\\v\\f\\r ]');
        else if (n === '<') {
          out += '\\b(?=\\w)';
          atomStart = -1;
        } else if (n === '>') {
          out += '\\b(?<=\\w)';
          atomStart = -1;
        } else if (n === '`') {
          out += '^';
          atomStart = -1;
        } else if (n === "'") {
          out += '$';
          atomStart = -1;
        } else atom(literal(n));
        continue;
      }
      case '.':
        atom('.');
        break;
      case '^':
      case '$':
        out += c;
        atomStart = -1;
        break;
      case '(':
        groupsOpened++;
        depth.push(out.length);
        out += '(';
        atomStart = -1;
        break;
      case ')':
        if (!depth.length) {
          atom('\\)');
          break;
        }
        out += ')';
        atomStart = depth.pop()!;
        quantified = false;
        break;
      case '|':
        out += '|';
        atomStart = -1;
        break;
      case '*':
      case '+':
      case '?':
        quantify(c);
        break;
      case '{': {
        const m = /^\{(\d*)(,(\d*))?\}/.exec(p.slice(i));
        if (!m || (m[1] === '' && m[2] === undefined)) throw new RegexError('invalid interval');
        const lo = m[1] === '' ? 0 : Number(m[1]);
        const hi = m[2] === undefined ? lo : m[3] === '' ? Infinity : Number(m[3]);
        if (lo > RE_DUP_MAX || (hi !== Infinity && (hi > RE_DUP_MAX || hi < lo))) throw new RegexError('invalid interval');
        quantify(hi === Infinity ? `{${lo},}` : hi === lo ? `{${lo}}` : `{${lo},${hi}}`);
        i += m[0].length;
        continue;
      }
      case '[': {
        const [cls, next] = bracket(p, i + 1);
        atom(cls);
        i = next;
        continue;
      }
      default:
        atom(literal(c));
    }
    i++;
  }
  if (depth.length) throw new RegexError('unmatched (');
  return out;
}

function literal(c: string): string {
  const code = c.charCodeAt(0);
  if (/[0-9A-Za-z]/.test(c)) return c;
  if (code < 0x20 || code >= 0x7f) return hx(code);
  return '\\' + c;
}

/** A bracket expression starting after `[`: the JS class and the index after its `]`. */
function bracket(p: string, i: number): [string, number] {
  let neg = false;
  if (p[i] === '^') {
    neg = true;
    i++;
  }
  const parts: string[] = [];
  let first = true;
  let prev: number | null = null; // last single character, a possible range start
  let afterClass = false;
  for (;;) {
    if (i >= p.length) throw new RegexError('unmatched [');
    let c = p[i];
    if (c === ']' && !first) {
      i++;
      break;
    }
    first = false;
    if (c === '[' && (p[i + 1] === ':' || p[i + 1] === '=' || p[i + 1] === '.')) {
      const kind = p[i + 1];
      const end = p.indexOf(kind + ']', i + 2);
      if (end < 0) throw new RegexError('unmatched [');
      const name = p.slice(i + 2, end);
      i = end + 2;
      if (kind === ':') {
        const cls = CLASSES[name];
        if (cls === undefined) throw new RegexError('invalid character class');
        parts.push(cls);
        prev = null;
        afterClass = true;
        continue;
      }
      if (name.length !== 1) throw new RegexError('invalid collation character');
      if (kind === '=') {
        parts.push(hx(name.charCodeAt(0)));
        prev = null;
        afterClass = true; // an equivalence class cannot bound a range
        continue;
      }
      c = name;
      i -= 1; // consumed below as a single character
    } else if (c === '-' && afterClass && p[i + 1] !== ']') {
      throw new RegexError('invalid range start');
    } else if (c === '-' && prev !== null && p[i + 1] !== ']' && i + 1 < p.length) {
      // a range prev-X
      let endChar = p[i + 1];
      let skip = 2;
      if (endChar === '[' && (p[i + 2] === '=' || p[i + 2] === ':')) throw new RegexError('invalid range end');
      if (endChar === '[' && p[i + 2] === '.') {
        const end = p.indexOf('.]', i + 3);
        if (end < 0) throw new RegexError('unmatched [');
        endChar = p.slice(i + 3, end);
        if (endChar.length !== 1) throw new RegexError('invalid collation character');
        skip = end + 2 - i;
      }
      const hi = endChar.charCodeAt(0);
      if (hi < prev) throw new RegexError('invalid range end');
      parts.pop();
      parts.push(hx(prev) + '-' + hx(hi));
      prev = null;
      afterClass = true; // a range end cannot start another range
      i += skip;
      continue;
    }
    const code = c.charCodeAt(0);
    parts.push(hx(code));
    prev = code;
    afterClass = false;
    i++;
  }
  return [(neg ? '[^' : '[') + parts.join('') + ']', i];
}
