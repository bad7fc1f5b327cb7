// The line engine: splits input into lines (at newline or NUL, and every `linelimit` bytes),
// runs each through the script and hands the framed line to its sinks. Input comes in large
// chunks; a line is never copied except into its sinks, and the clock is read once per chunk.
import type { Action, Script } from './script.js';
import { labelOf, localStamp, wallclock } from './stamp.js';

/** Where an action's lines go. `header` holds the stamps and prefix, already formatted. */
export interface LineSink {
  line(header: Buffer | null, src: Uint8Array, s: number, e: number): void;
}

export interface Sinks {
  stdout: LineSink | null;
  /** `2`: alerts to stderr, the line cut to `size` bytes (0: whole) */
  alert(size: number): LineSink;
  /** `=file`: the latest line for a status file */
  status(file: string, size: number, header: Buffer | null, src: Uint8Array, s: number, e: number): void;
  logdirs: LineSink[];
}

interface CompiledAction {
  act: Action;
  sink: LineSink | null;
  /** static header (prefix only), or the per-batch one when the action has stamps */
  header: Buffer | null;
}

const SPACE = Buffer.from(' ');
const TWO_SPACES = Buffer.from('  ');

export class Engine {
  private readonly acts: CompiledAction[][];
  private carry: Buffer;
  private carryLen = 0;
  private readonly limit: number;

  constructor(private readonly script: Script, private readonly sinks: Sinks, linelimit: number) {
    this.limit = linelimit;
    this.carry = Buffer.allocUnsafe(linelimit ? linelimit + 1 : 4096);
    this.acts = script.elements.map((el) => el.acts.map((act) => ({
      act,
      sink: this.sinkFor(act),
      header: act.prefix ? Buffer.concat([act.prefix, SPACE]) : null,
    })));
  }

  private sinkFor(act: Action): LineSink | null {
    switch (act.kind) {
      case 'stdout': return this.sinks.stdout;
      case 'alert': return this.sinks.alert(act.size);
      case 'dir': return this.sinks.logdirs[act.logdir];
      case 'status': return null;
    }
  }

  /** Disables every `1` action (stdout failed). */
  dropStdout(): void {
    for (const el of this.acts) for (const a of el) if (a.act.kind === 'stdout') a.sink = null;
  }

  /** Bytes of an unterminated line held so far. */
  get pendingLine(): number {
    return this.carryLen;
  }

  /** Computes the stamps of the lines about to be processed (one clock read). */
  private stampBatch(): void {
    if (!this.script.anyTai && !this.script.anyLocal) return;
    const [sec, nsec] = wallclock();
    const tai = this.script.anyTai ? Buffer.concat([labelOf(sec, nsec), SPACE]) : null;
    const local = this.script.anyLocal ? Buffer.concat([Buffer.from(localStamp(sec, nsec)), TWO_SPACES]) : null;
    for (const el of this.acts) {
      for (const a of el) {
        const { act } = a;
        if (!act.tai && !act.local) continue;
        const parts: Buffer[] = [];
        if (act.tai) parts.push(tai!);
        if (act.local) parts.push(local!);
        if (act.prefix) parts.push(act.prefix, SPACE);
        a.header = Buffer.concat(parts);
      }
    }
  }

  /** Processes bytes [start, end) of `buf`; a trailing partial line is kept for later. */
  feed(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.stampBatch();
    let p = start;
    let nul = buf.indexOf(0, p);
    if (nul >= end) nul = -1;
    const term = (from: number): number => {
      let e = buf.indexOf(10, from);
      if (e >= end) e = -1;
      if (nul >= 0) {
        if (nul < from) {
          nul = buf.indexOf(0, from);
          if (nul >= end) nul = -1;
        }
        if (nul >= 0 && (e < 0 || nul < e)) e = nul;
      }
      return e;
    };
    if (this.carryLen) {
      const e = term(p);
      if (e < 0) {
        this.carryAppend(buf, p, end);
        return;
      }
      this.carryAppend(buf, p, e);
      this.flushCarry();
      p = e + 1;
    }
    const limit = this.limit;
    for (;;) {
      const e = term(p);
      if (e < 0) break;
      let s = p;
      if (limit) {
        while (e - s > limit) {
          this.run(buf, s, s + limit);
          s += limit;
        }
      }
      this.run(buf, s, e);
      p = e + 1;
    }
    if (p < end) this.carryAppend(buf, p, end);
  }

  /** One byte of a last line read byte by byte. True when the line is complete and processed. */
  feedByte(c: number): boolean {
    if (c === 10 || c === 0) {
      this.finishLine();
      return true;
    }
    if (this.carryLen + 1 > this.carry.length) this.growCarry(this.carryLen + 1);
    this.carry[this.carryLen++] = c;
    return false;
  }

  /** Processes the unterminated line, if any, as if it ended here. */
  finishLine(): void {
    this.stampBatch();
    this.flushCarry();
  }

  private flushCarry(): void {
    const n = this.carryLen;
    this.carryLen = 0;
    this.run(this.carry, 0, n);
  }

  private growCarry(need: number): void {
    const nb = Buffer.allocUnsafe(Math.max(need, this.carry.length * 2));
    this.carry.copy(nb, 0, 0, this.carryLen);
    this.carry = nb;
  }

  private carryAppend(buf: Buffer, s: number, e: number): void {
    const limit = this.limit;
    while (limit && this.carryLen + (e - s) > limit) {
      const take = limit - this.carryLen;
      this.carry.set(buf.subarray(s, s + take), this.carryLen);
      this.carryLen = limit;
      s += take;
      this.flushCarry();
    }
    const n = e - s;
    if (n <= 0) return;
    if (this.carryLen + n > this.carry.length) this.growCarry(this.carryLen + n);
    this.carry.set(buf.subarray(s, e), this.carryLen);
    this.carryLen += n;
  }

  /** Runs one line through the script. */
  private run(buf: Buffer, s: number, e: number): void {
    const els = this.script.elements;
    const acts = this.acts;
    if (this.script.noSelection) {
      for (let i = 0; i < acts.length; i++) this.act(acts[i], buf, s, e);
      return;
    }
    let selected = true;
    let acted = false;
    let str: string | null = null;
    for (let i = 0; i < els.length; i++) {
      const sels = els[i].sels;
      for (let j = 0; j < sels.length; j++) {
        const sel = sels[j];
        if (sel.kind === 'f') selected = !acted;
        else if (sel.kind === 'plus') {
          if (!selected && sel.re.test(str ??= buf.toString('latin1', s, e))) selected = true;
        } else if (selected && sel.re.test(str ??= buf.toString('latin1', s, e))) selected = false;
      }
      if (selected) {
        acted = true;
        this.act(acts[i], buf, s, e);
      }
    }
  }

  private act(list: CompiledAction[], buf: Buffer, s: number, e: number): void {
    for (let k = 0; k < list.length; k++) {
      const a = list[k];
      if (a.sink) a.sink.line(a.header, buf, s, e);
      else if (a.act.kind === 'status') this.sinks.status(a.act.file, a.act.size, a.header, buf, s, e);
    }
  }
}
