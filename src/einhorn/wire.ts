// einhorn's framing: one message a line, a YAML (or JSON) document with `%` written `%25` and
// line feeds written `%0A`. Only those two escapes exist (einhorn ≥ 2020). The framing itself
// and JSON are in frame.ts.
import { dump, parse } from './yaml.js';
import { decodeJsonReply, unescapeLine, type LineSplitter } from './frame.js';

export { LineSplitter, MAX_LINE, encodeJson, type Framed } from './frame.js';

export function encode(message: unknown): string {
  return dump(message).replace(/%/g, '%25').replace(/\n/g, '%0A') + '\n';
}

/** Throws (YamlError) when the line is not a YAML document of the supported subset. */
export function decode(line: string): unknown {
  return parse(unescapeLine(line));
}

/** A reply: JSON (frame.ts) or YAML. */
export function decodeReply(line: string): unknown {
  const j = decodeJsonReply(line);
  return j !== undefined ? j : decode(line);
}

/** The replies in a chunk read from the command socket: each whole line decoded (a line that is
 * not einhorn's encoding is kept as text). */
export function decodeReplies(splitter: LineSplitter, chunk: Buffer): unknown[] {
  const out: unknown[] = [];
  for (const f of splitter.push(chunk)) {
    if (!('line' in f)) continue;
    try {
      out.push(decodeReply(f.line));
    } catch {
      out.push(f.line);
    }
  }
  return out;
}
