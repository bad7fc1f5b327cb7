// einhorn's framing without YAML: lines, the two escapes, JSON. What hexad's one-shot
// einhornsh needs; wire.ts adds the YAML documents einhorn itself writes.
/** A request as JSON, which is a YAML document to every einhorn master (string keys, as
 * einhorn's own client sends). The blocking client uses it: it spares a one-shot command the
 * YAML emitter and its Unicode regular expressions (~2-3 ms of start-up). */
export function encodeJson(message: unknown): string {
  const plain = message instanceof Map ? Object.fromEntries(message) : message;
  return JSON.stringify(plain).replace(/%/g, '%25') + '\n';
}

export const unescapeLine = (line: string): string => line.replace(/%(25|0A)/g, (m) => (m === '%25' ? '%' : '\n'));

/** A reply that is a JSON object (what hexad's master sends a client that asks for it), read
 * into the Maps the YAML reader would give; undefined for anything else. */
export function decodeJsonReply(line: string): unknown {
  const text = unescapeLine(line);
  if (!text.startsWith('{"')) return undefined;
  try {
    return JSON.parse(text, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? new Map(Object.entries(v)) : v));
  } catch {
    return undefined;
  }
}

/** Longest request line the master accepts; longer ones are answered with an error and skipped. */
export const MAX_LINE = 64 * 1024;

export type Framed = { line: string } | { overlong: number };

/** Splits a byte stream at LF. Lines longer than `max` are dropped up to their LF and reported. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;
  private skipped = 0;

  constructor(private readonly max = MAX_LINE) {}

  push(chunk: Buffer): Framed[] {
    const out: Framed[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, nl < 0 ? chunk.length : nl);
      if (this.skipping) this.skipped += piece.length;
      else if (this.size + piece.length > this.max) {
        this.skipping = true;
        this.skipped = this.size + piece.length;
        this.parts = [];
        this.size = 0;
      } else if (piece.length) {
        this.parts.push(piece);
        this.size += piece.length;
      }
      if (nl < 0) return out;
      if (this.skipping) {
        out.push({ overlong: this.skipped });
        this.skipping = false;
        this.skipped = 0;
      } else {
        out.push({ line: Buffer.concat(this.parts).toString('utf8') });
        this.parts = [];
        this.size = 0;
      }
      start = nl + 1;
    }
  }

  /** The bytes of an unfinished line (kept across a re-exec). */
  pending(): string {
    return this.skipping ? '' : Buffer.concat(this.parts).toString('utf8');
  }
}

