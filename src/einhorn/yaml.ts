// The YAML subset einhorn's control protocol uses, read and written the way Ruby's Psych does:
// block and flow mappings and sequences of scalars, plain / quoted / literal / folded scalars,
// JSON (a subset of YAML), Ruby symbols (`:name`). Anchors, aliases and tags are refused on input
// (einhornsh and workers never send them); the emitter can write the two Ruby tags `state` shows
// (`!ruby/object:Set`, Time scalars). Mappings are `Map`s so that key types survive (symbol vs string).

export class YamlError extends Error {}

/** A Ruby Symbol (`:worker`). Interned, so `Map` lookups by `Sym.of('x')` work. */
export class Sym {
  private static readonly table = new Map<string, Sym>();
  private constructor(readonly name: string) {}
  static of(name: string): Sym {
    let s = Sym.table.get(name);
    if (!s) Sym.table.set(name, (s = new Sym(name)));
    return s;
  }
}

/** Emitted as Psych writes a Ruby Set: `!ruby/object:Set` with a `hash` of members → true. */
export class RubySet {
  constructor(readonly items: unknown[]) {}
}

/** Emitted as Psych writes a Ruby Time: `2026-11-21 19:07:55.729669506 +00:00`. */
export class RubyTime {
  /** `ms` since the epoch; `nsFraction` the 9-digit fraction of the second when known. */
  constructor(readonly ms: number, readonly nsFraction?: string) {}
}

export type YamlMap = Map<unknown, unknown>;

// ---------------------------------------------------------------------------------------------
// Scalars

/** Resolves a plain scalar as Psych's ScalarScanner does for the types safe_load permits. */
export function resolvePlain(s: string): unknown {
  if (s === '' || s === '~' || /^null$/i.test(s)) return null;
  if (/^(yes|true|on)$/i.test(s)) return true;
  if (/^(no|false|off)$/i.test(s)) return false;
  if (/^:./.test(s)) {
    const q = /^:(["'])(.*)\1$/.exec(s);
    return Sym.of(q ? q[2] : s.slice(1));
  }
  if (/^[-+]?(0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)$/.test(s)) return Number(s.replace(/[_,]/g, ''));
  if (/^[-+]?0x[0-9a-fA-F_,]+$/.test(s)) return signed(s, (t) => parseInt(t.replace(/[_,]/g, '').slice(2), 16));
  if (/^[-+]?0b[01_,]+$/.test(s)) return signed(s, (t) => parseInt(t.replace(/[_,]/g, '').slice(2), 2));
  if (/^[-+]?0[0-7_,]+$/.test(s)) return signed(s, (t) => parseInt(t.replace(/[_,]/g, ''), 8));
  if (/^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$/.test(s) && !/^[-+]?\.$/.test(s)) {
    return Number(s.replace(/[_,]/g, ''));
  }
  if (/^\+?\.inf$/i.test(s)) return Infinity;
  if (/^-\.inf$/i.test(s)) return -Infinity;
  if (/^\.nan$/i.test(s)) return NaN;
  return s;
}

function signed(s: string, parse: (t: string) => number): number {
  const neg = s.startsWith('-');
  const n = parse(s.replace(/^[-+]/, ''));
  return neg ? -n : n;
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};

/** Folds the line breaks of a multi-line flow scalar: one break → a space, n+1 breaks → n newlines. */
function fold(text: string): string {
  const lines = text.split('\n');
  if (lines.length === 1) return text;
  let out = lines[0].replace(/[ \t]+$/, '');
  let breaks = 0;
  for (let i = 1; i < lines.length; i++) {
    const l = i === lines.length - 1 ? lines[i].replace(/^[ \t]+/, '') : lines[i].trim();
    if (l === '' && i < lines.length - 1) {
      breaks++;
      continue;
    }
    out += breaks ? '\n'.repeat(breaks) : ' ';
    out += l;
    breaks = 0;
  }
  return out;
}

function decodeDouble(body: string): string {
  // fold the raw line breaks first (an escaped break joins the lines without a space), then
  // decode the escapes, so that an escaped \n is never mistaken for a raw one
  const lines = body.split('\n');
  let raw = '';
  let breaks = 0;
  let joinNext = false;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (i > 0) l = l.replace(/^[ \t]+/, '');
    const escapedBreak = i < lines.length - 1 && /(^|[^\\])(\\\\)*\\$/.test(l);
    if (escapedBreak) l = l.slice(0, -1);
    else if (i < lines.length - 1) l = l.replace(/[ \t]+$/, '');
    if (i > 0 && !joinNext) {
      if (l === '' && i < lines.length - 1 && !escapedBreak) {
        breaks++;
        continue;
      }
      raw += breaks ? '\n'.repeat(breaks) : ' ';
    }
    breaks = 0;
    raw += l;
    joinNext = escapedBreak;
  }
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i];
    if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = raw.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new YamlError('bad escape');
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
      continue;
    }
    const r = e === undefined ? undefined : ESCAPES[e];
    if (r === undefined) throw new YamlError(`bad escape \\${e ?? ''}`);
    out += r;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Flow context (JSON-like): `{a: 1, "b": [x, 'y']}`

class FlowParser {
  pos = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    for (;;) {
      const c = this.s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n') this.pos++;
      else if (c === '#' && (this.pos === 0 || /\s/.test(this.s[this.pos - 1]))) {
        while (this.pos < this.s.length && this.s[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  value(inKey = false): unknown {
    this.ws();
    const c = this.s[this.pos];
    if (c === '{') return this.map();
    if (c === '[') return this.seq();
    if (c === '"' || c === "'") return this.quoted();
    if (c === undefined) throw new YamlError('unexpected end of flow');
    if ('&*!|>%@`'.includes(c)) throw new YamlError(`unsupported indicator ${c}`);
    return this.plain(inKey);
  }

  private map(): YamlMap {
    const m: YamlMap = new Map();
    this.pos++;
    for (;;) {
      this.ws();
      if (this.s[this.pos] === '}') {
        this.pos++;
        return m;
      }
      const key = this.value(true);
      this.ws();
      let val: unknown = null;
      if (this.s[this.pos] === ':') {
        this.pos++;
        this.ws();
        const n = this.s[this.pos];
        if (n !== ',' && n !== '}') val = this.value();
      }
      m.set(key, val);
      this.ws();
      const n = this.s[this.pos++];
      if (n === '}') return m;
      if (n !== ',') throw new YamlError('expected , or } in flow mapping');
    }
  }

  private seq(): unknown[] {
    const a: unknown[] = [];
    this.pos++;
    for (;;) {
      this.ws();
      if (this.s[this.pos] === ']') {
        this.pos++;
        return a;
      }
      a.push(this.value());
      this.ws();
      const n = this.s[this.pos++];
      if (n === ']') return a;
      if (n !== ',') throw new YamlError('expected , or ] in flow sequence');
    }
  }

  quoted(): string {
    const q = this.s[this.pos++];
    let body = '';
    for (;;) {
      const c = this.s[this.pos++];
      if (c === undefined) throw new YamlError('unterminated quoted scalar');
      if (q === "'" && c === "'") {
        if (this.s[this.pos] === "'") {
          body += "'";
          this.pos++;
          continue;
        }
        return fold(body);
      }
      if (q === '"' && c === '\\') {
        body += c + (this.s[this.pos++] ?? '');
        continue;
      }
      if (q === '"' && c === '"') return decodeDouble(body);
      body += c;
    }
  }

  private plain(inKey: boolean): unknown {
    const start = this.pos;
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined || c === ',' || c === ']' || c === '}') break;
      if (c === ':') {
        const n = this.s[this.pos + 1];
        if (n === undefined || n === ' ' || n === '\t' || n === '\n' || n === ',' || n === ']' || n === '}' || (inKey && n === '"')) break;
      }
      if (c === '#' && /\s/.test(this.s[this.pos - 1] ?? '')) break;
      this.pos++;
    }
    const text = fold(this.s.slice(start, this.pos).trim());
    return resolvePlain(text);
  }

  /** Parses one whole flow node; only white space and a comment may follow. */
  whole(): unknown {
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) throw new YamlError('trailing characters after flow node');
    return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Block context

interface Line { indent: number; text: string }

function stripComment(t: string): string {
  // a `#` starts a comment at the beginning or after white space, outside quotes
  let q: string | null = null;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s,[{:]/.test(t[i - 1]))) q = c;
    else if (c === '#' && (i === 0 || t[i - 1] === ' ' || t[i - 1] === '\t')) return t.slice(0, i).trimEnd();
  }
  return t.trimEnd();
}

/** `key: value` → [key text, column of the value, value text], or null if the line is no mapping entry. */
function mapEntry(t: string): [string, number, string] | null {
  let i = 0;
  if (t[0] === '"' || t[0] === "'") {
    const q = t[0];
    for (i = 1; i < t.length; i++) {
      if (q === '"' && t[i] === '\\') i++;
      else if (t[i] === q) {
        if (q === "'" && t[i + 1] === "'") i++;
        else break;
      }
    }
    if (i >= t.length) return null;
    i++;
    while (t[i] === ' ') i++;
    if (t[i] !== ':' || (i + 1 < t.length && t[i + 1] !== ' ' && t[i + 1] !== '\t')) return null;
  } else {
    if (t[0] === '{' || t[0] === '[' || t.startsWith('- ') || t === '-') return null;
    for (;; i++) {
      if (i >= t.length) return null;
      if (t[i] === '#' && i > 0 && t[i - 1] === ' ') return null;
      if (t[i] === ':' && (i + 1 === t.length || t[i + 1] === ' ' || t[i + 1] === '\t')) break;
    }
  }
  const key = t.slice(0, i).trimEnd();
  let j = i + 1;
  while (t[j] === ' ' || t[j] === '\t') j++;
  return [key, j, t.slice(j)];
}

class BlockParser {
  private readonly lines: (Line | null)[];
  private i = 0;

  constructor(src: string) {
    const raw = src.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    this.lines = [];
    let started = false;
    for (const l of raw) {
      if (!started && (l.startsWith('%') || l.trim() === '' || l.trimStart().startsWith('#'))) {
        this.lines.push(null);
        continue;
      }
      if (/^---(\s|$)/.test(l)) {
        if (started) throw new YamlError('more than one document');
        started = true;
        const rest = l.slice(3).trimStart();
        this.lines.push(rest ? { indent: l.length - rest.length, text: rest } : null);
        continue;
      }
      if (/^\.\.\.(\s|$)/.test(l)) break;
      started = true;
      const indent = l.length - l.trimStart().length;
      this.lines.push({ indent, text: l.slice(indent) });
    }
  }

  private blank(l: Line | null): boolean {
    return l === null || l.text === '' || l.text.startsWith('#');
  }

  private skip(): Line | null {
    while (this.i < this.lines.length && this.blank(this.lines[this.i])) this.i++;
    return this.i < this.lines.length ? this.lines[this.i] : null;
  }

  document(): unknown {
    const v = this.node(-1);
    if (this.skip()) throw new YamlError('unexpected content');
    return v;
  }

  private node(parent: number): unknown {
    const l = this.skip();
    if (!l || l.indent <= parent) return null;
    if (l.text === '-' || l.text.startsWith('- ')) return this.seq(l.indent);
    if (mapEntry(l.text)) return this.map(l.indent);
    return this.inline(parent);
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const l = this.skip();
      if (!l || l.indent < indent) return out;
      if (l.indent > indent) throw new YamlError('bad indentation of a sequence entry');
      if (!(l.text === '-' || l.text.startsWith('- '))) return out;
      const rest = l.text.slice(1);
      const body = rest.trimStart();
      if (stripComment(body) === '') {
        this.i++;
        out.push(this.node(indent));
      } else {
        this.lines[this.i] = { indent: indent + 1 + rest.length - body.length, text: body };
        out.push(this.node(indent));
      }
    }
  }

  private map(indent: number): YamlMap {
    const out: YamlMap = new Map();
    for (;;) {
      const l = this.skip();
      if (!l || l.indent < indent) return out;
      if (l.indent > indent) throw new YamlError('bad indentation of a mapping entry');
      const e = mapEntry(l.text);
      if (!e) {
        if (l.text === '-' || l.text.startsWith('- ')) return out;
        throw new YamlError('expected a mapping entry');
      }
      const [keyText, col, valText] = e;
      const key = keyText[0] === '"' || keyText[0] === "'" ? new FlowParser(keyText).quoted() : resolvePlain(keyText);
      let value: unknown;
      if (stripComment(valText) === '') {
        this.i++;
        const n = this.skip();
        value = n && n.indent === indent && (n.text === '-' || n.text.startsWith('- ')) ? this.seq(indent) : this.node(indent);
      } else {
        this.lines[this.i] = { indent: indent + col, text: valText };
        value = this.inline(indent);
      }
      out.set(key, value);
    }
  }

  /** A scalar, flow collection or block scalar starting on the current line. */
  private inline(parent: number): unknown {
    const l = this.lines[this.i]!;
    const t = l.text;
    if (t[0] === '|' || t[0] === '>') return this.blockScalar(parent);
    if (stripComment(t) === '!ruby/object:Set') {
      // the one tag einhorn's `state` writes: a Set, dumped as {hash: {member: true, …}}
      this.i++;
      const h = this.node(parent);
      const members = h instanceof Map ? h.get('hash') : null;
      if (!(members instanceof Map)) throw new YamlError('bad !ruby/object:Set');
      return new RubySet([...members.keys()]);
    }
    if ('&*!%@`'.includes(t[0])) throw new YamlError(`unsupported indicator ${t[0]}`);
    if (t.startsWith('- ') || t === '-') throw new YamlError('sequence entries are not allowed here');
    // gather the continuation lines (more indented than the parent)
    let text = t;
    this.i++;
    const complete = (s: string): boolean => {
      if (s[0] === '{' || s[0] === '[' || s[0] === '"' || s[0] === "'") {
        try {
          new FlowParser(s).whole();
          return true;
        } catch {
          return false;
        }
      }
      return false;
    };
    const quotedOrFlow = '{["\''.includes(t[0]);
    while (this.i < this.lines.length) {
      if (quotedOrFlow && complete(text)) break;
      const n = this.lines[this.i];
      if (n === null || n.text === '') {
        if (!quotedOrFlow && !this.moreContent(parent)) break;
        text += '\n';
        this.i++;
        continue;
      }
      if (n.indent <= parent) break;
      if (!quotedOrFlow && (n.text.startsWith('#') || mapEntry(n.text))) break;
      text += '\n' + n.text;
      this.i++;
    }
    if (quotedOrFlow) return new FlowParser(text).whole();
    const plain = fold(
      text
        .split('\n')
        .map((x) => stripComment(x))
        .join('\n')
        .replace(/\n+$/, ''),
    );
    if (/:(\s|$)/.test(plain.split('\n')[0]) || /^[?:-](\s|$)/.test(plain)) throw new YamlError('mapping values are not allowed here');
    return resolvePlain(plain);
  }

  private moreContent(parent: number): boolean {
    for (let j = this.i; j < this.lines.length; j++) {
      const n = this.lines[j];
      if (n === null || n.text === '') continue;
      return n.indent > parent && !n.text.startsWith('#');
    }
    return false;
  }

  private blockScalar(parent: number): string {
    const l = this.lines[this.i]!;
    const header = stripComment(l.text);
    const m = /^([|>])([+-]?)([1-9]?)([+-]?)$/.exec(header);
    if (!m) throw new YamlError('bad block scalar header');
    const folded = m[1] === '>';
    const chomp = m[2] || m[4];
    const base = Math.max(parent, 0);
    let contentIndent = m[3] ? base + Number(m[3]) : -1;
    this.i++;
    const body: string[] = [];
    while (this.i < this.lines.length) {
      const n = this.lines[this.i];
      if (n === null || n.text === '') {
        body.push(n ? ' '.repeat(Math.max(0, n.indent - Math.max(contentIndent, 0))) : '');
        this.i++;
        continue;
      }
      if (contentIndent < 0) {
        if (n.indent <= parent) break;
        contentIndent = n.indent;
      }
      if (n.indent < contentIndent) break;
      body.push(' '.repeat(n.indent - contentIndent) + n.text);
      this.i++;
    }
    // whitespace-only lines before the indentation is known count as empty
    let end = body.length;
    while (end > 0 && body[end - 1].trim() === '') end--;
    const trailing = body.length - end;
    const content = body.slice(0, end).map((x) => (x.trim() === '' ? '' : x));
    let text: string;
    if (folded) {
      text = '';
      for (let k = 0; k < content.length; k++) {
        const cur = content[k];
        if (k > 0) {
          const prev = content[k - 1];
          text += prev === '' || cur === '' || prev.startsWith(' ') || cur.startsWith(' ') ? '\n' : ' ';
        }
        text += cur;
      }
      text = text.replace(/ \n/g, '\n');
    } else text = content.join('\n');
    if (content.length === 0) return chomp === '+' ? '\n'.repeat(trailing) : '';
    if (chomp === '-') return text;
    if (chomp === '+') return text + '\n'.repeat(trailing + 1);
    return text + '\n';
  }
}

/** Parses one YAML document (the subset above). Throws YamlError on anything else. */
export function parse(src: string): unknown {
  const t = src.trim();
  // a lone flow document (JSON, the common worker:ack form) takes the fast path
  if (t[0] === '{' || t[0] === '[') return new FlowParser(t).whole();
  return new BlockParser(src).document();
}

// ---------------------------------------------------------------------------------------------
// Emitter (Psych's choices of scalar style, libyaml's block layout, no line folding)

const WORD = /[\p{L}\p{N}\p{M}\p{Pc}]/u;
// libyaml's printable set (allow_unicode): TAB is not in it, so tabs force double quotes
const NONPRINTABLE = /[\x00-\x09\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]/u;

function plainAllowed(s: string): boolean {
  if (s === '' || /^(---|\.\.\.)/.test(s)) return false;
  if (s[0] === ' ' || s[s.length - 1] === ' ' || s.includes('\n') || NONPRINTABLE.test(s)) return false;
  if ('#,[]{}&*!|>\'"%@`'.includes(s[0])) return false;
  if ('?:-'.includes(s[0]) && (s.length === 1 || s[1] === ' ')) return false;
  if (/:( |$)/.test(s) || / #/.test(s)) return false;
  return true;
}

function singleAllowed(s: string): boolean {
  return !NONPRINTABLE.test(s) && !/ \n|\n /.test(s) && !s.startsWith('\n') && !s.endsWith('\n') && !s.includes('\r');
}

const DQ_ESC: Record<string, string> = {
  '\0': '\\0', '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r',
  '\x1b': '\\e', '"': '\\"', '\\': '\\\\', '\x85': '\\N', '\xa0': '\\_', '\u2028': '\\L', '\u2029': '\\P',
};

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const e = DQ_ESC[ch];
    if (e) out += e;
    else if (NONPRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      out += cp <= 0xff ? `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}` : cp <= 0xffff ? `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}` : `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

function singleQuoted(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A string scalar, or a literal block (`|`) when `indent` allows one and Psych would choose it. */
function emitString(s: string, indent: number): string {
  if (wantsLiteral(s)) {
    // libyaml refuses a block scalar with special characters or spaces before a line break
    if (!NONPRINTABLE.test(s.replace(/\n/g, '')) && !/ \n|\r/.test(s) && !s.endsWith(' ')) {
      const trailing = /\n*$/.exec(s)![0].length;
      const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
      const ind = s[0] === ' ' ? '2' : '';
      const pad = ' '.repeat(indent + 2);
      const body = (trailing ? s.slice(0, -trailing) : s).split('\n').map((x) => (x === '' ? '' : pad + x));
      for (let k = 1; k < trailing; k++) body.push('');
      return `|${ind}${chomp}\n${body.join('\n')}`;
    }
    return doubleQuoted(s);
  }
  if (s.includes('\n')) return doubleQuoted(s);
  if (s === '<<') return singleQuoted(s);
  if (s === 'y' || s === 'Y' || s === 'n' || s === 'N') return doubleQuoted(s);
  if (s !== '' && !WORD.test(s[0]) && !s.slice(1).includes('"')) return doubleQuoted(s);
  if (typeof resolvePlain(s) !== 'string' || /^0[0-7]*[89]/.test(s)) return singleAllowed(s) ? singleQuoted(s) : doubleQuoted(s);
  if (plainAllowed(s)) return s;
  return singleAllowed(s) ? singleQuoted(s) : doubleQuoted(s);
}

/** Psych writes a literal block when a line break is followed by more text (`/\n(?!\Z)/`). */
function wantsLiteral(s: string): boolean {
  for (let p = s.indexOf('\n'); p >= 0; p = s.indexOf('\n', p + 1)) {
    if (p === s.length - 1) continue;
    if (p === s.length - 2 && s[s.length - 1] === '\n') continue;
    return true;
  }
  return false;
}

function pad2(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function rubyTimeText(t: RubyTime): string {
  const d = new Date(t.ms);
  const off = -d.getTimezoneOffset();
  const frac = t.nsFraction ?? `${pad2(d.getMilliseconds(), 3)}000000`;
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${frac} ${sign}${pad2(Math.floor(Math.abs(off) / 60))}:${pad2(Math.abs(off) % 60)}`;
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  return String(n);
}

/** A scalar in its one-line (or block literal) form; null for collections. */
function scalar(v: unknown, indent: number): string | null {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return emitString(v, indent);
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Sym) return plainAllowed(`:${v.name}`) && typeof resolvePlain(`:${v.name}`) !== 'string' ? `:${v.name}` : `:${doubleQuoted(v.name)}`;
  if (v instanceof RubyTime) return rubyTimeText(v);
  return null;
}

function entries(v: unknown): [unknown, unknown][] | null {
  if (v instanceof Map) return [...v.entries()];
  if (v instanceof RubySet) return null;
  if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Sym) && !(v instanceof RubyTime)) return Object.entries(v);
  return null;
}

function keyText(k: unknown): string {
  const s = scalar(k, 0);
  if (s === null || s.includes('\n')) throw new YamlError('complex mapping keys are not supported');
  return s;
}

/** The value part after `key:` or `-` (leading space or newline included). */
function afterIndicator(v: unknown, indent: number, inSeq: boolean): string {
  const s = scalar(v, indent);
  if (s !== null) return s === '' ? '' : ` ${s}`;
  if (v instanceof RubySet) {
    const inner = new Map(v.items.map((x) => [x, true] as [unknown, unknown]));
    return ` !ruby/object:Set\n${block(new Map([['hash', inner]]), indent + 2)}`;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return ' []';
    // a sequence under a mapping key sits at the key's indentation (libyaml style)
    return inSeq ? ` ${block(v, indent + 2).trimStart()}` : `\n${block(v, indent)}`;
  }
  const e = entries(v)!;
  if (e.length === 0) return ' {}';
  return inSeq ? ` ${block(v, indent + 2).trimStart()}` : `\n${block(v, indent + 2)}`;
}

function block(v: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) return v.map((x) => `${pad}-${afterIndicator(x, indent, true)}`).join('\n');
  const e = entries(v);
  if (!e) throw new YamlError('not a collection');
  return e.map(([k, x]) => `${pad}${keyText(k)}:${afterIndicator(x, indent, false)}`).join('\n');
}

/** One YAML document as Psych's `YAML.dump` writes it (without line folding). */
export function dump(v: unknown): string {
  const s = scalar(v, -2);
  if (s !== null) return `--- ${s}\n`;
  if (Array.isArray(v) && v.length === 0) return '--- []\n';
  const e = entries(v);
  if (e && e.length === 0) return '--- {}\n';
  if (v instanceof RubySet) return `--- !ruby/object:Set\n${block(new Map([['hash', new Map(v.items.map((x) => [x, true]))]]), 0)}\n`;
  return `---\n${block(v, 0)}\n`;
}
