// The execline script lexer: turns the text of an `up`/`down` file (or a line of an
// rc-update conversion file) into an argv, as execlineb and s6-rc-compile read it.
//
// Rules (execlineb's "syntax of scripts"): whitespace separates words; a word starting with
// `#` starts a comment to the end of the line; `"…"` quotes with C-like escapes
// (\a \b \t \n \v \f \r, \DDD decimal, \0OOO octal, \0xHH hex, backslash-newline removed);
// outside quotes a backslash takes the next byte literally; a bare `{` opens a block and is
// dropped, a bare `}` closes it and leaves an empty word; words inside blocks get one
// leading space per level. The corner cases (a backslash-newline inside a word keeps the
// newline, an unterminated quote ending in a numeric escape is accepted…) follow execline
// 2.9.3's behaviour, checked against execlineb in test/rc/lexer.test.ts.

export type LexErrorKind = 'syntax' | 'unmatched-open' | 'unmatched-close';

export class LexError extends Error {
  constructor(readonly kind: LexErrorKind) {
    super(kind === 'syntax' ? 'syntax error' : kind === 'unmatched-open' ? 'unmatched {' : 'unmatched }');
  }
}

const enum K { End, Space, Newline, Hash, Quote, Backslash, Open, Close, EscAbf, EscNrtv, Oct, Dec89, Zero, X, HexLetter, Other }

function kindOf(c: number): K {
  if (c === 0) return K.End;
  if (c === 10) return K.Newline;
  if (c <= 32) return K.Space;
  switch (c) {
    case 0x23: return K.Hash;
    case 0x22: return K.Quote;
    case 0x5c: return K.Backslash;
    case 0x7b: return K.Open;
    case 0x7d: return K.Close;
    case 0x61: case 0x62: case 0x66: return K.EscAbf;       // a b f
    case 0x6e: case 0x72: case 0x74: case 0x76: return K.EscNrtv; // n r t v
    case 0x30: return K.Zero;
    case 0x38: case 0x39: return K.Dec89;
    case 0x78: return K.X;
    case 0x63: case 0x64: case 0x65: return K.HexLetter;    // c d e
  }
  if (c >= 0x31 && c <= 0x37) return K.Oct;
  if (c >= 0x41 && c <= 0x46) return K.HexLetter;          // A-F
  return K.Other;
}

const enum S {
  Between, Comment, OpenBrace, CloseBrace, Word, EscAtStart, EscInWord,
  Quoted, QuotedEsc, AfterZero, Oct1, Oct2, Dec1, Dec2, Hex0, Hex1, NumFull, Done,
}

const CONTROL: Record<number, number> = { 0x61: 7, 0x62: 8, 0x74: 9, 0x6e: 10, 0x76: 11, 0x66: 12, 0x72: 13 };

const isHexDigit = (k: K): boolean => k === K.EscAbf || k === K.Oct || k === K.Dec89 || k === K.Zero || k === K.HexLetter;
const isDecDigit = (k: K): boolean => k === K.Oct || k === K.Dec89 || k === K.Zero;
const isOctDigit = (k: K): boolean => k === K.Oct || k === K.Zero;

/** Lexes `input` (bytes; the text ends at the first NUL) into words. Throws LexError. */
export function lexExecline(input: Buffer | string): string[] {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  const words: string[] = [];
  let cur: number[] = [];
  let level = 0;
  let digitsAt = 0;
  let base = 10;
  let state: S = S.Between;
  let pos = 0;

  const indent = (): void => { for (let i = 0; i < level; i++) cur.push(0x20); };
  const emit = (): void => { words.push(Buffer.from(cur).toString()); cur = []; };
  const closeBlock = (): void => {
    if (level === 0) throw new LexError('unmatched-close');
    level--;
    cur.length -= 2; // the `}` and one level of indentation: an empty word at the outer level
    emit();
  };
  const finishNumber = (): void => {
    const digits = String.fromCharCode(...cur.slice(digitsAt));
    const value = parseInt(digits, base);
    if (!value || value > 255) throw new LexError('syntax');
    cur.length = digitsAt;
    cur.push(value);
  };
  /** After a numeric escape is complete: what the next byte does. */
  const afterNumber = (k: K, c: number): S => {
    finishNumber();
    if (k === K.End) { emit(); return S.Done; }
    if (k === K.Quote) return S.Word;
    if (k === K.Backslash) return S.QuotedEsc;
    cur.push(c);
    return S.Quoted;
  };

  while (state !== S.Done) {
    const c = pos < buf.length ? buf[pos++] : 0;
    const k = kindOf(c);
    switch (state) {
      case S.Between:
        if (k === K.End) state = S.Done;
        else if (k === K.Space || k === K.Newline) { /* still between words */ }
        else if (k === K.Hash) state = S.Comment;
        else if (k === K.Quote) { indent(); state = S.Quoted; }
        else if (k === K.Backslash) state = S.EscAtStart;
        else {
          indent();
          cur.push(c);
          state = k === K.Open ? S.OpenBrace : k === K.Close ? S.CloseBrace : S.Word;
        }
        break;
      case S.Comment:
        if (k === K.End) state = S.Done;
        else if (k === K.Newline) state = S.Between;
        break;
      case S.OpenBrace:
        if (k === K.End) throw new LexError('syntax');
        if (k === K.Space || k === K.Newline) { cur = []; level++; state = S.Between; }
        else if (k === K.Quote) state = S.Quoted;
        else if (k === K.Backslash) state = S.EscAtStart;
        else { cur.push(c); state = S.Word; }
        break;
      case S.CloseBrace:
        if (k === K.End) { closeBlock(); state = S.Done; }
        else if (k === K.Space || k === K.Newline) { closeBlock(); state = S.Between; }
        else if (k === K.Quote) state = S.Quoted;
        else if (k === K.Backslash) state = S.EscAtStart;
        else { cur.push(c); state = S.Word; }
        break;
      case S.Word:
        if (k === K.End) { emit(); state = S.Done; }
        else if (k === K.Space || k === K.Newline) { emit(); state = S.Between; }
        else if (k === K.Quote) state = S.Quoted;
        else if (k === K.Backslash) state = S.EscInWord;
        else cur.push(c);
        break;
      case S.EscAtStart:
        if (k === K.End) state = S.Done;
        else if (k === K.Newline) state = S.Between;
        else { indent(); cur.push(c); state = S.Word; }
        break;
      case S.EscInWord:
        if (k === K.End) throw new LexError('syntax');
        cur.push(c);
        state = S.Word;
        break;
      case S.Quoted:
        if (k === K.End) throw new LexError('syntax');
        if (k === K.Quote) state = S.Word;
        else if (k === K.Backslash) state = S.QuotedEsc;
        else cur.push(c);
        break;
      case S.QuotedEsc:
        if (k === K.End) throw new LexError('syntax');
        if (k === K.Newline) state = S.Quoted;
        else if (k === K.EscAbf || k === K.EscNrtv) { cur.push(CONTROL[c]); state = S.Quoted; }
        else if (k === K.Oct || k === K.Dec89) { digitsAt = cur.length; cur.push(c); base = 10; state = S.Dec1; }
        else if (k === K.Zero) { base = 8; state = S.AfterZero; }
        else { cur.push(c); state = S.Quoted; }
        break;
      case S.AfterZero:
        if (isOctDigit(k)) { digitsAt = cur.length; cur.push(c); state = S.Oct1; }
        else if (k === K.X) { base = 16; state = S.Hex0; }
        else throw new LexError('syntax');
        break;
      case S.Oct1:
      case S.Oct2:
        if (isOctDigit(k)) { cur.push(c); state = state === S.Oct1 ? S.Oct2 : S.NumFull; }
        else state = afterNumber(k, c);
        break;
      case S.Dec1:
      case S.Dec2:
        if (isDecDigit(k)) { cur.push(c); state = state === S.Dec1 ? S.Dec2 : S.NumFull; }
        else state = afterNumber(k, c);
        break;
      case S.Hex0:
        if (!isHexDigit(k)) throw new LexError('syntax');
        digitsAt = cur.length;
        cur.push(c);
        state = S.Hex1;
        break;
      case S.Hex1:
        if (isHexDigit(k)) { cur.push(c); state = S.NumFull; }
        else state = afterNumber(k, c);
        break;
      case S.NumFull:
        state = afterNumber(k, c);
        break;
    }
  }
  if (level) throw new LexError('unmatched-open');
  return words;
}
