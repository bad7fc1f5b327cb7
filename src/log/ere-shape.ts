// Selections that never backtrack: s6-log asks "does the line match anywhere" (REG_NOSUB), so a
// leading `.*` (or `^.*`) and a trailing `.*` (or `.*$`) add nothing, and a pattern that is then
// only literal text (maybe anchored) is a substring test; alternatives of literals stay a RegExp
// (V8 scans them in one linear pass). V8
// would run `.*DEBUG.*` with quadratic backtracking per line; `DEBUG` as indexOf is linear.
// Lines hold no newline (s6-log splits there), so REG_NEWLINE's `^`/`$` are the line's ends.

export interface Matcher { test(line: string): boolean }

interface Piece { text: string; literal: string | null }

/** Index after the bracket expression opening at `i` (`[`), or -1. */
function bracketEnd(p: string, i: number): number {
  let j = i + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++;
  while (j < p.length && p[j] !== ']') {
    if (p[j] === '[' && ':=.'.includes(p[j + 1] ?? '')) {
      const end = p.indexOf(p[j + 1] + ']', j + 2);
      if (end < 0) return -1;
      j = end + 2;
    } else j++;
  }
  return j < p.length ? j + 1 : -1;
}

/** Index after the group opening at `i` (`(`), or -1. */
function groupEnd(p: string, i: number): number {
  let depth = 0;
  for (let j = i; j < p.length; j++) {
    const c = p[j];
    if (c === '\\') j++;
    else if (c === '[') {
      const e = bracketEnd(p, j);
      if (e < 0) return -1;
      j = e - 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  return -1;
}

/** Splits an ERE into its top-level alternatives, and each into pieces: one atom (a group
 * is one atom) with its quantifiers, or an anchor. Null for what this module leaves to the
 * translator: back references, escapes of letters, anything malformed. */
function tokens(p: string): Piece[][] | null {
  const alts: Piece[][] = [[]];
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    let j = i + 1;
    let literal: string | null = null;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined || /[0-9A-Za-z<>`'_]/.test(n)) return null;
      literal = n;
      j = i + 2;
    } else if (c === '[') {
      j = bracketEnd(p, i);
    } else if (c === '(') {
      j = groupEnd(p, i);
    } else if (c === ')') {
      return null;
    } else if (c === '|') {
      alts.push([]);
      i++;
      continue;
    } else if (!'.^$*+?{'.includes(c)) literal = c;
    if (j < 0) return null;
    // quantifiers stay with their atom
    while (j < p.length && '*+?{'.includes(p[j])) {
      literal = null;
      if (p[j] === '{') {
        const end = p.indexOf('}', j);
        if (end < 0) return null;
        j = end + 1;
      } else j++;
    }
    alts[alts.length - 1].push({ text: p.slice(i, j), literal });
    i = j;
  }
  return alts;
}

const isAnyRun = (t: Piece | undefined): boolean => t !== undefined && t.text === '.*';

/** The pattern without the `.*` that cannot change whether it matches somewhere, or the
 * pattern itself. */
function strip(alt: Piece[]): Piece[] {
  const a = [...alt];
  // leading: `^.*`, or `.*`
  if (a[0]?.text === '^' && isAnyRun(a[1])) a.splice(0, 2);
  while (isAnyRun(a[0])) a.shift();
  // trailing: `.*$`, or `.*`
  if (a[a.length - 1]?.text === '$' && isAnyRun(a[a.length - 2])) a.splice(a.length - 2, 2);
  while (isAnyRun(a[a.length - 1])) a.pop();
  return a;
}

type Test = (line: string) => boolean;

/** A literal test for an alternative made of literal characters between optional anchors. */
function literalTest(alt: Piece[]): Test | null {
  let start = 0, end = alt.length;
  const head = alt[0]?.text === '^';
  if (head) start = 1;
  const tail = end > start && alt[end - 1].text === '$';
  if (tail) end--;
  let text = '';
  for (let k = start; k < end; k++) {
    if (alt[k].literal === null) return null;
    text += alt[k].literal;
  }
  if (head && tail) return (l) => l === text;
  if (head) return (l) => l.startsWith(text);
  if (tail) return (l) => l.endsWith(text);
  return text === '' ? () => true : (l) => l.includes(text);
}

/** The fastest exact test for a pattern (ERE text, latin1): a literal matcher, or the ERE to
 * hand to the RegExp translator (perhaps simpler than the one given). */
export function shape(pattern: string): { matcher: Matcher } | { ere: string } {
  const alts = tokens(pattern);
  if (!alts) return { ere: pattern };
  const stripped = alts.map(strip);
  const tests = stripped.map(literalTest);
  // one literal: a substring test; several: V8 scans an alternation of literals in one pass
  // (linear: no quantifier to backtrack into), faster than one scan per literal
  if (tests.length === 1 && tests[0] !== null) return { matcher: { test: tests[0] } };
  // an alternative that became empty matches every line (`.*` alone)
  if (stripped.some((a) => a.length === 0)) return { matcher: { test: () => true } };
  return { ere: stripped.map((a) => a.map((t) => t.text).join('')).join('|') };
}
