// Ruby's `inspect` (3.1) for the values einhorn interpolates into its messages, so that texts like
// `Could not find state for PID "4242"; ignoring ACK.` or `Sending USR2 to [23334, 23335]` match.
import { RubySet, RubyTime, Sym, rubyTimeText } from './yaml.js';

const STR_ESC: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\f': '\\f', '\v': '\\v',
  '\b': '\\b', '\x07': '\\a', '\x1b': '\\e', '#': '#',
};

export function inspectString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '#' && (s[i + 1] === '{' || s[i + 1] === '$' || s[i + 1] === '@')) out += '\\#';
    else if (STR_ESC[c]) out += STR_ESC[c];
    else if (c < ' ' || c === '\x7f') out += `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
    else out += c;
  }
  return out + '"';
}

function inspectSym(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*[?!=]?$/.test(name) ? `:${name}` : `:${inspectString(name)}`;
}

export function inspect(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return inspectString(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return String(v);
  }
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Sym) return inspectSym(v.name);
  if (v instanceof RubyTime) return rubyTimeText(v);
  if (v instanceof RubySet) return `#<Set: {${v.items.map(inspect).join(', ')}}>`;
  if (Array.isArray(v)) return `[${v.map(inspect).join(', ')}]`;
  if (v instanceof Map) return `{${[...v.entries()].map(([k, x]) => `${inspect(k)}=>${inspect(x)}`).join(', ')}}`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${inspect(k)}=>${inspect(x)}`).join(', ')}}`;
  return String(v);
}
